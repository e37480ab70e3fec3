import type { AxiosInstance } from 'axios';
import type { Clock } from '../ports';
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

/** Sends robot messages through api.dingtalk.com, caching one access token per app. */
export interface OpenApiClient {
  /** Sends one markdown message: a single attempt, plus one token refresh if the token is refused (401). */
  sendMarkdown(
    app: DingTalkApp,
    recipient: OpenApiRecipient,
    message: { title: string; text: string },
  ): Promise<SendOutcome>;
}

type TokenResult = { status: 'ok'; token: string } | SendFailure;

// Refresh 5 minutes before expiry, as the official Python SDK does (dingtalk.md §7.1).
const REFRESH_MARGIN_MS = 5 * 60_000;
const TOKEN_HEADER = 'x-acs-dingtalk-access-token';

/** Creates an OpenAPI client; keep it at module scope so the token cache outlives one invocation. */
export function createOpenApiClient(options: {
  http: AxiosInstance;
  apiBase: string;
  clock: Clock;
}): OpenApiClient {
  const { http, clock } = options;
  const base = options.apiBase.replace(/\/+$/, '');
  const tokens = new Map<string, { token: string; refreshAt: number }>();
  const pending = new Map<string, Promise<TokenResult>>();

  async function fetchToken(app: DingTalkApp): Promise<TokenResult> {
    let response: { status: number; data: unknown };
    try {
      const credentials = { appKey: app.appKey, appSecret: app.appSecret };
      response = await http.post(`${base}/v1.0/oauth2/accessToken`, credentials, { responseType: 'text' });
    } catch (error) {
      const outcome = classifyRequestError(error, 'openapi_token');
      // Fetching a token has no side effect, so even a timed-out fetch is safe to repeat.
      return outcome.status === 'unknown' ? { status: 'transient', reason: outcome.reason } : outcome;
    }
    if (response.status !== 200)
      return withDetail(classifyHttpStatus(response.status, 'openapi_token'), response.data);
    const parsed = parseJson(response.data);
    const token = parsed?.accessToken;
    const expireIn = parsed?.expireIn;
    if (typeof token !== 'string' || token === '' || typeof expireIn !== 'number') {
      return { status: 'rejected', reason: 'openapi_token_bad_response' };
    }
    tokens.set(app.appKey, { token, refreshAt: clock() + expireIn * 1000 - REFRESH_MARGIN_MS });
    return { status: 'ok', token };
  }

  function getToken(app: DingTalkApp): Promise<TokenResult> {
    const cached = tokens.get(app.appKey);
    if (cached !== undefined && clock() < cached.refreshAt)
      return Promise.resolve({ status: 'ok', token: cached.token });
    // Concurrent deliveries for one app share a single token fetch.
    let inflight = pending.get(app.appKey);
    if (inflight === undefined) {
      inflight = fetchToken(app).finally(() => pending.delete(app.appKey));
      pending.set(app.appKey, inflight);
    }
    return inflight;
  }

  async function sendMarkdown(
    app: DingTalkApp,
    recipient: OpenApiRecipient,
    message: { title: string; text: string },
  ): Promise<SendOutcome> {
    // msgParam is a JSON string, not an object (dingtalk.md §7.2).
    const common = { robotCode: app.appKey, msgKey: 'sampleMarkdown', msgParam: JSON.stringify(message) };
    const [path, body] =
      recipient.kind === 'oto'
        ? ['/v1.0/robot/oToMessages/batchSend', { ...common, userIds: [recipient.userId] }]
        : ['/v1.0/robot/groupMessages/send', { ...common, openConversationId: recipient.openConversationId }];
    for (let attempt = 1; ; attempt++) {
      const token = await getToken(app);
      if (token.status !== 'ok') return token;
      let response: { status: number; data: unknown };
      try {
        const headers = { [TOKEN_HEADER]: token.token };
        response = await http.post(`${base}${path}`, body, { headers, responseType: 'text' });
      } catch (error) {
        return classifyRequestError(error, 'openapi');
      }
      if (response.status === 401 && attempt === 1) {
        if (tokens.get(app.appKey)?.token === token.token) tokens.delete(app.appKey);
        continue;
      }
      if (response.status < 200 || response.status > 299) {
        return withDetail(classifyHttpStatus(response.status, 'openapi'), response.data);
      }
      return readSendResult(response.data, recipient);
    }
  }

  return { sendMarkdown };
}

function readSendResult(data: unknown, recipient: OpenApiRecipient): SendOutcome {
  const parsed = parseJson(data);
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

/** Adds DingTalk's error code (e.g. Forbidden.AccessDenied.AccessTokenPermissionDenied) when it looks safe. */
function withDetail(outcome: SendFailure, data: unknown): SendFailure {
  const code = parseJson(data)?.code;
  if (typeof code !== 'string' || !/^[\w.-]{1,100}$/.test(code)) return outcome;
  return { ...outcome, detail: code };
}

function includes(list: unknown, value: string): boolean {
  return Array.isArray(list) && list.includes(value);
}

function parseJson(data: unknown): Record<string, unknown> | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(data);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
