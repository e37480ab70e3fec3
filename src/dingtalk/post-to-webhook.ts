import { type AxiosInstance, isAxiosError } from 'axios';

/**
 * Result of one send attempt on either channel. `transient`: not delivered, worth retrying; `expired`: the
 * session webhook is gone; `rejected`: not delivered, retrying will not help; `unknown`: may have been
 * delivered (timeout, unreadable answer), so never resend. `reason` is a short code and `detail` DingTalk's
 * own error code when it gave one; both are safe to log.
 */
export type SendOutcome =
  | { status: 'ok' }
  | { status: 'transient' | 'expired' | 'rejected' | 'unknown'; reason: string; detail?: string };

/** A SendOutcome that is not a success. */
export type SendFailure = Exclude<SendOutcome, { status: 'ok' }>;

// Rate limits: "send too fast" (dingtalk.md §5).
const RATE_LIMIT_ERRCODES = new Set([130101, 302033]);
const SESSION_EXPIRED_ERRCODE = 300001;
const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Posts one message body to a DingTalk session webhook (a single attempt) and classifies the answer. */
export async function postToWebhook(
  http: AxiosInstance,
  webhookUrl: string,
  body: unknown,
): Promise<SendOutcome> {
  let response: { status: number; data: unknown };
  try {
    response = await http.post(webhookUrl, body, { responseType: 'text' });
  } catch (error) {
    return classifyRequestError(error, 'webhook');
  }
  // The webhook answers 200 for failures too; only errcode tells (dingtalk.md §4.4).
  if (response.status !== 200) return classifyHttpStatus(response.status, 'webhook_http');
  const errcode = readErrcode(response.data);
  if (errcode === undefined) return { status: 'unknown', reason: 'webhook_bad_response' };
  if (errcode === 0) return { status: 'ok' };
  const reason = `webhook_errcode_${errcode}`;
  if (errcode === SESSION_EXPIRED_ERRCODE) return { status: 'expired', reason };
  if (RATE_LIMIT_ERRCODES.has(errcode)) return { status: 'transient', reason };
  return { status: 'rejected', reason };
}

/** Classifies an unsuccessful HTTP status: 429 and 5xx are worth retrying, the rest is final. */
export function classifyHttpStatus(status: number, reasonPrefix: string): SendFailure {
  const reason = `${reasonPrefix}_${status}`;
  return status === 429 || status >= 500 ? { status: 'transient', reason } : { status: 'rejected', reason };
}

/**
 * Classifies a request that produced no HTTP response. Only the error code is read: axios errors carry the
 * URL and headers, so they never leave this function.
 */
export function classifyRequestError(error: unknown, channel: string): SendFailure {
  if (!isAxiosError(error)) return { status: 'unknown', reason: `${channel}_request_failed` };
  const cause = error.cause as (NodeJS.ErrnoException & { errors?: NodeJS.ErrnoException[] }) | undefined;
  const code = error.code ?? cause?.code ?? cause?.errors?.[0]?.code;
  if (code !== undefined && CONNECT_FAILURES.has(code))
    return { status: 'transient', reason: `${channel}_unreachable` };
  // An OS-level connect timeout means nothing was sent; axios's own timeout may fire after DingTalk got it.
  if (code === 'ETIMEDOUT' && cause?.syscall === 'connect') {
    return { status: 'transient', reason: `${channel}_unreachable` };
  }
  if (code === 'ETIMEDOUT' || code === 'ECONNABORTED')
    return { status: 'unknown', reason: `${channel}_timeout` };
  if (code === 'ERR_INVALID_URL') return { status: 'rejected', reason: `${channel}_invalid_url` };
  return { status: 'unknown', reason: `${channel}_request_failed` };
}

function readErrcode(data: unknown): number | undefined {
  if (typeof data !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !('errcode' in parsed)) return undefined;
  const errcode = Number(parsed.errcode);
  return Number.isInteger(errcode) ? errcode : undefined;
}
