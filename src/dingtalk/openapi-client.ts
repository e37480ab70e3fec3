import type { Clock, Logger } from '../ports';
import { errorCodeOf } from '../storage/has-error-code';
import type { DingTalkHttp, HttpAnswer } from './create-dingtalk-http';
import { parseJsonObject } from './parse-json-object';
import {
  classifyHttpStatus,
  classifyRequestError,
  type SendFailure,
  type SendOutcome,
} from './post-to-webhook';

/** An internal-app robot's credentials; its robotCode equals the appKey (dingtalk.md §3.1). */
export interface DingTalkApp {
  appKey: string;
  appSecret: string;
}

/** Who receives a proactive robot message: one user (by staffId) or a group (by openConversationId). */
export type OpenApiRecipient =
  | { kind: 'oto'; userId: string }
  | { kind: 'group'; openConversationId: string };

/** Access tokens kept outside the process (e.g. on the history volume), so a cold instance can skip the token call. */
export interface TokenCache {
  get(appKey: string): Promise<{ token: string; expiresAt: number } | undefined>;
  put(appKey: string, token: string, expiresAt: number): Promise<void>;
}

/** What one OpenAPI HTTP request was for: counted per answer, because every call is billed (dingtalk.md §6). */
export type OpenApiCallKind = 'token' | 'send' | 'card' | 'download';

/** Per-call context: where to log and whom to tell about each HTTP request made (token fetches included). */
export interface CallContext {
  log?: Logger;
  onCall?: (kind: OpenApiCallKind) => void;
}

/** One authorised request to api.dingtalk.com; `reason` prefixes the failure reasons (e.g. 'card'). */
export interface OpenApiRequest {
  method: 'POST' | 'PUT';
  path: string;
  body: unknown;
  kind: Exclude<OpenApiCallKind, 'token'>;
  reason: string;
}

/** DingTalk answered (any status but a first 401); `body` is the parsed JSON object when there was one. */
export interface OpenApiAnswer {
  status: 'answered';
  httpStatus: number;
  body: Record<string, unknown> | undefined;
}

/** Sends robot messages through api.dingtalk.com, caching one access token per app. */
export interface OpenApiClient {
  /** Sends one markdown message: a single attempt, plus one token refresh if the token is refused (401). */
  sendMarkdown(
    app: DingTalkApp,
    recipient: OpenApiRecipient,
    message: { title: string; text: string },
    context?: CallContext,
  ): Promise<SendOutcome>;
  /** Sends one request with the app's access token (cached, fetched once for concurrent callers, refetched once on 401). */
  request(
    app: DingTalkApp,
    request: OpenApiRequest,
    context?: CallContext,
  ): Promise<OpenApiAnswer | SendFailure>;
  /** The app's access token from the same cache, for legacy oapi calls (media upload); `refused`: one just rejected. */
  accessToken(app: DingTalkApp, context?: CallContext, refused?: string): Promise<TokenResult>;
}

/** An access token, or why none could be had. */
export type TokenResult = { status: 'ok'; token: string } | SendFailure;

// Refresh 5 minutes before expiry, as the official Python SDK does (dingtalk.md §7.1).
const REFRESH_MARGIN_MS = 5 * 60_000;
const TOKEN_HEADER = 'x-acs-dingtalk-access-token';

/** Creates an OpenAPI client; keep it at module scope so the token cache outlives one invocation. */
export function createOpenApiClient(options: {
  http: DingTalkHttp;
  apiBase: string;
  clock: Clock;
  tokenCache?: TokenCache;
}): OpenApiClient {
  const { http, clock, tokenCache } = options;
  const base = options.apiBase.replace(/\/+$/, '');
  const tokens = new Map<string, { token: string; refreshAt: number }>();
  const pending = new Map<string, Promise<TokenResult>>();

  async function fetchToken(app: DingTalkApp, context: CallContext): Promise<TokenResult> {
    let response: HttpAnswer;
    context.onCall?.('token');
    try {
      const credentials = { appKey: app.appKey, appSecret: app.appSecret };
      response = await http.send('POST', `${base}/v1.0/oauth2/accessToken`, credentials);
    } catch (error) {
      const outcome = classifyRequestError(error, 'openapi_token');
      // Fetching a token has no side effect, so even a timed-out fetch is safe to repeat.
      return outcome.status === 'unknown' ? { status: 'transient', reason: outcome.reason } : outcome;
    }
    const parsed = parseJsonObject(response.text);
    if (response.status !== 200)
      return withDetail(classifyHttpStatus(response.status, 'openapi_token'), parsed);
    const token = parsed?.accessToken;
    const expireIn = parsed?.expireIn;
    if (typeof token !== 'string' || token === '' || typeof expireIn !== 'number') {
      return { status: 'rejected', reason: 'openapi_token_bad_response' };
    }
    const expiresAt = clock() + expireIn * 1000;
    tokens.set(app.appKey, { token, refreshAt: expiresAt - REFRESH_MARGIN_MS });
    await tokenCache?.put(app.appKey, token, expiresAt).catch((error: unknown) => {
      context.log?.warn({ code: errorCodeOf(error) }, 'could not store the access token; continuing without');
    });
    return { status: 'ok', token };
  }

  /** The persisted token, unless it is missing, about to expire, or the one DingTalk just refused. */
  async function readCachedToken(
    app: DingTalkApp,
    context: CallContext,
    refused: string | undefined,
  ): Promise<string | undefined> {
    if (tokenCache === undefined) return undefined;
    let stored: { token: string; expiresAt: number } | undefined;
    try {
      stored = await tokenCache.get(app.appKey);
    } catch (error) {
      context.log?.warn({ code: errorCodeOf(error) }, 'could not read the stored access token; fetching one');
      return undefined;
    }
    if (stored === undefined || stored.token === refused) return undefined;
    const refreshAt = stored.expiresAt - REFRESH_MARGIN_MS;
    if (clock() >= refreshAt) return undefined;
    tokens.set(app.appKey, { token: stored.token, refreshAt });
    return stored.token;
  }

  function getToken(app: DingTalkApp, context: CallContext, refused?: string): Promise<TokenResult> {
    const cached = tokens.get(app.appKey);
    if (cached !== undefined && cached.token !== refused && clock() < cached.refreshAt)
      return Promise.resolve({ status: 'ok', token: cached.token });
    // Concurrent requests for one app share a single token fetch.
    let inflight = pending.get(app.appKey);
    if (inflight === undefined) {
      inflight = (async (): Promise<TokenResult> => {
        const stored = await readCachedToken(app, context, refused);
        return stored === undefined ? fetchToken(app, context) : { status: 'ok', token: stored };
      })().finally(() => pending.delete(app.appKey));
      pending.set(app.appKey, inflight);
    }
    return inflight;
  }

  async function request(
    app: DingTalkApp,
    call: OpenApiRequest,
    context: CallContext = {},
  ): Promise<OpenApiAnswer | SendFailure> {
    let refused: string | undefined;
    for (let attempt = 1; ; attempt++) {
      const token = await getToken(app, context, refused);
      if (token.status !== 'ok') return token;
      let response: HttpAnswer;
      context.onCall?.(call.kind);
      try {
        response = await http.send(call.method, `${base}${call.path}`, call.body, {
          [TOKEN_HEADER]: token.token,
        });
      } catch (error) {
        return classifyRequestError(error, call.reason);
      }
      if (response.status === 401 && attempt === 1) {
        if (tokens.get(app.appKey)?.token === token.token) tokens.delete(app.appKey);
        refused = token.token;
        continue;
      }
      return { status: 'answered', httpStatus: response.status, body: parseJsonObject(response.text) };
    }
  }

  async function sendMarkdown(
    app: DingTalkApp,
    recipient: OpenApiRecipient,
    message: { title: string; text: string },
    context: CallContext = {},
  ): Promise<SendOutcome> {
    // msgParam is a JSON string, not an object (dingtalk.md §7.2).
    const common = { robotCode: app.appKey, msgKey: 'sampleMarkdown', msgParam: JSON.stringify(message) };
    const [path, body] =
      recipient.kind === 'oto'
        ? ['/v1.0/robot/oToMessages/batchSend', { ...common, userIds: [recipient.userId] }]
        : ['/v1.0/robot/groupMessages/send', { ...common, openConversationId: recipient.openConversationId }];
    const answer = await request(
      app,
      { method: 'POST', path, body, kind: 'send', reason: 'openapi' },
      context,
    );
    if (answer.status !== 'answered') return answer;
    if (answer.httpStatus < 200 || answer.httpStatus > 299) {
      return withDetail(classifyHttpStatus(answer.httpStatus, 'openapi'), answer.body);
    }
    return readSendResult(answer.body, recipient);
  }

  return {
    sendMarkdown,
    request,
    accessToken: (app, context = {}, refused) => getToken(app, context, refused),
  };
}

function readSendResult(
  parsed: Record<string, unknown> | undefined,
  recipient: OpenApiRecipient,
): SendOutcome {
  if (typeof parsed?.processQueryKey !== 'string')
    return { status: 'unknown', reason: 'openapi_bad_response' };
  if (recipient.kind === 'oto') {
    if (includes(parsed.invalidStaffIdList, recipient.userId)) {
      return { status: 'rejected', reason: 'openapi_invalid_staff_id' };
    }
    if (includes(parsed.flowControlledStaffIdList, recipient.userId)) {
      return { status: 'transient', reason: 'openapi_flow_controlled' };
    }
  }
  return { status: 'ok' };
}

/** DingTalk's error code (e.g. Forbidden.AccessDenied.AccessTokenPermissionDenied) when it looks safe to log. */
export function readErrorCode(body: Record<string, unknown> | undefined): string | undefined {
  const code = body?.code;
  return typeof code === 'string' && /^[\w.-]{1,100}$/.test(code) ? code : undefined;
}

/** Adds DingTalk's error code when it looks safe. */
function withDetail(outcome: SendFailure, body: Record<string, unknown> | undefined): SendFailure {
  const code = readErrorCode(body);
  return code === undefined ? outcome : { ...outcome, detail: code };
}

function includes(list: unknown, value: string): boolean {
  return Array.isArray(list) && list.includes(value);
}
