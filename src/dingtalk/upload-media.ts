import type { Clock, Logger } from '../ports';
import { createDingTalkHttp, type DingTalkHttp, type HttpAnswer } from './create-dingtalk-http';
import type { DingTalkApp, OpenApiClient, TokenCache } from './openapi-client';
import { createOpenApiClient } from './openapi-client';
import { parseJsonObject } from './parse-json-object';
import type { SendFailure } from './post-to-webhook';
import { classifyHttpStatus, classifyRequestError } from './post-to-webhook';

/** The upload gave no media id; `reason` is a short code, safe to log (no URL, no token). */
export class MediaUploadError extends Error {
  readonly outcome: SendFailure['status'];
  readonly reason: string;

  constructor(failure: SendFailure) {
    super(`DingTalk media upload failed: ${failure.reason}${failure.detail ? ` (${failure.detail})` : ''}`);
    this.name = 'MediaUploadError';
    this.outcome = failure.status;
    this.reason = failure.reason;
  }
}

/** What to upload, for which app, and where its access token comes from. */
export interface UploadImageOptions {
  app: DingTalkApp;
  /** Legacy API base, https://oapi.dingtalk.com. */
  oapiBase: string;
  png: Buffer;
  /** Where access tokens are fetched (https://api.dingtalk.com); ignored when `openApi` is given. */
  apiBase: string;
  /** The token store the other OpenAPI clients share, so an upload usually needs no token call. */
  tokenCache?: TokenCache;
  /** An existing OpenAPI client to take the token from (its in-memory cache included). */
  openApi?: OpenApiClient;
  http?: DingTalkHttp;
  clock?: Clock;
  log?: Logger;
}

// DingTalk's limit for image media (dingtalk.md §6 lists 20 MB for media).
const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
// invalid access_token, access_token expired: worth one fresh token (the legacy API answers HTTP 200 for both).
const TOKEN_ERRCODES = new Set([40014, 42001]);
const MEDIA_ID = /^@?[\w+/=.-]{1,512}$/;

/**
 * Uploads a PNG as DingTalk image media and returns its media_id, which markdown shows as `![x](media_id)`.
 * The legacy endpoint takes the same access token as api.dingtalk.com, in the query string (dingtalk.md §7.1).
 */
export async function uploadImage(options: UploadImageOptions): Promise<string> {
  const { app, png } = options;
  if (png.length === 0 || png.length > MAX_IMAGE_BYTES)
    throw new MediaUploadError({ status: 'rejected', reason: 'media_upload_bad_size' });
  const http = options.http ?? createDingTalkHttp(30_000);
  const openApi =
    options.openApi ??
    createOpenApiClient({
      http,
      apiBase: options.apiBase,
      clock: options.clock ?? Date.now,
      ...(options.tokenCache ? { tokenCache: options.tokenCache } : {}),
    });
  const context = options.log ? { log: options.log } : {};
  const base = options.oapiBase.replace(/\/+$/, '');
  let refused: string | undefined;
  for (let attempt = 1; ; attempt += 1) {
    const token = await openApi.accessToken(app, context, refused);
    if (token.status !== 'ok') throw new MediaUploadError(token);
    const form = new FormData();
    form.append('type', 'image');
    form.append('media', new Blob([png], { type: 'image/png' }), 'image.png');
    let response: HttpAnswer;
    try {
      // The URL carries the token: only the classification of an error travels further.
      response = await http.postForm(
        `${base}/media/upload?access_token=${encodeURIComponent(token.token)}`,
        form,
      );
    } catch (error) {
      throw new MediaUploadError(classifyRequestError(error, 'media_upload'));
    }
    if (response.status !== 200)
      throw new MediaUploadError(classifyHttpStatus(response.status, 'media_upload'));
    const body = parseJsonObject(response.text);
    const errcode = body?.errcode;
    if (typeof errcode === 'number' && TOKEN_ERRCODES.has(errcode) && attempt === 1) {
      refused = token.token;
      continue;
    }
    if (errcode !== 0) {
      const detail = typeof errcode === 'number' ? `errcode ${errcode}` : 'no errcode';
      throw new MediaUploadError({ status: 'rejected', reason: 'media_upload_refused', detail });
    }
    const mediaId = body?.media_id;
    if (typeof mediaId !== 'string' || !MEDIA_ID.test(mediaId))
      throw new MediaUploadError({ status: 'unknown', reason: 'media_upload_bad_response' });
    options.log?.info({ bytes: png.length, attempt }, 'image uploaded to DingTalk media');
    return mediaId;
  }
}
