import type { Logger } from '../ports';
import { type DingTalkHttp, HttpRequestError } from './create-dingtalk-http';
import type { CallContext, DingTalkApp, OpenApiClient } from './openapi-client';
import { readErrorCode } from './openapi-client';

/** Why a received picture or file could not be fetched; each becomes its own notice to the user. */
export type DownloadFailure = 'expired' | 'forbidden' | 'not-found' | 'too-big' | 'timeout' | 'failed';

/** The bytes of a received picture or file, or why there are none. */
export type DownloadResult = { ok: true; bytes: Buffer } | { ok: false; reason: DownloadFailure };

/** Fetches what a user sent the robot (a downloadCode from the callback), with the app's access token. */
export interface MessageFileDownloader {
  download(
    app: DingTalkApp,
    downloadCode: string,
    limits: { maxBytes: number },
    log: Logger,
  ): Promise<DownloadResult>;
}

/**
 * POST /v1.0/robot/messageFiles/download {downloadCode, robotCode} → {downloadUrl}, then GET that short-lived
 * signed URL (dingtalk.md §10). Neither the code nor the URL is ever logged: both grant access to the file.
 */
export function createMessageFileDownloader(options: {
  openApi: OpenApiClient;
  http: DingTalkHttp;
  /** For the whole download, both requests. */
  timeoutMs: number;
}): MessageFileDownloader {
  const { openApi, http, timeoutMs } = options;
  return {
    async download(app, downloadCode, limits, log) {
      const started = performance.now();
      const context: CallContext = { log };
      const answer = await openApi.request(
        app,
        {
          method: 'POST',
          path: '/v1.0/robot/messageFiles/download',
          body: { downloadCode, robotCode: app.appKey },
          kind: 'download',
          reason: 'download',
        },
        context,
      );
      if (answer.status !== 'answered') {
        log.warn({ reason: answer.reason }, 'could not ask DingTalk for the download address');
        return { ok: false, reason: answer.reason.endsWith('timeout') ? 'timeout' : 'failed' };
      }
      const downloadUrl = answer.body?.downloadUrl;
      if (answer.httpStatus !== 200 || typeof downloadUrl !== 'string' || !/^https?:\/\//.test(downloadUrl)) {
        const code = readErrorCode(answer.body);
        const scopes = answer.body?.accessdenieddetail;
        log.warn(
          { status: answer.httpStatus, code, requiredScopes: requiredScopes(scopes) },
          'DingTalk refused the download of a received file',
        );
        return { ok: false, reason: classifyRefusal(answer.httpStatus) };
      }
      const remainingMs = Math.max(1000, timeoutMs - (performance.now() - started));
      return fetchBytes(http, downloadUrl, limits.maxBytes, remainingMs, log);
    },
  };
}

async function fetchBytes(
  http: DingTalkHttp,
  url: string,
  maxBytes: number,
  timeoutMs: number,
  log: Logger,
): Promise<DownloadResult> {
  try {
    const response = await http.getBytes(url, { maxBytes, timeoutMs });
    if (response.status !== 200) {
      log.warn({ status: response.status }, 'the download address refused the file');
      return { ok: false, reason: response.status === 404 ? 'not-found' : 'expired' };
    }
    return { ok: true, bytes: response.bytes };
  } catch (error) {
    if (error instanceof HttpRequestError && error.kind === 'too_large')
      return { ok: false, reason: 'too-big' };
    const kind = error instanceof HttpRequestError ? error.kind : 'failed';
    log.warn({ kind }, 'could not download a received file');
    return { ok: false, reason: kind === 'timeout' ? 'timeout' : 'failed' };
  }
}

function classifyRefusal(status: number): DownloadFailure {
  if (status === 401 || status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status >= 400 && status < 500) return 'expired';
  return 'failed';
}

function requiredScopes(detail: unknown): string | undefined {
  const scopes = (detail as { requiredScopes?: unknown } | undefined)?.requiredScopes;
  return Array.isArray(scopes) ? scopes.filter((scope) => typeof scope === 'string').join(',') : undefined;
}
