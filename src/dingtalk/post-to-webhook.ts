import { type DingTalkHttp, type HttpAnswer, HttpRequestError } from './create-dingtalk-http';

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

/** Posts one message body to a DingTalk session webhook (a single attempt) and classifies the answer. */
export async function postToWebhook(
  http: DingTalkHttp,
  webhookUrl: string,
  body: unknown,
): Promise<SendOutcome> {
  let response: HttpAnswer;
  try {
    response = await http.send('POST', webhookUrl, body);
  } catch (error) {
    return classifyRequestError(error, 'webhook');
  }
  // The webhook answers 200 for failures too; only errcode tells (dingtalk.md §4.4).
  if (response.status !== 200) return classifyHttpStatus(response.status, 'webhook_http');
  const errcode = readErrcode(response.text);
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
 * Classifies a request that produced no HTTP answer. Nothing sent (no connection) is worth another try; a
 * deadline that passed after the request went out may have delivered it, so it is never resent.
 */
export function classifyRequestError(error: unknown, channel: string): SendFailure {
  if (!(error instanceof HttpRequestError)) return { status: 'unknown', reason: `${channel}_request_failed` };
  switch (error.kind) {
    case 'unreachable':
      return { status: 'transient', reason: `${channel}_unreachable` };
    case 'timeout':
      return { status: 'unknown', reason: `${channel}_timeout` };
    case 'invalid_url':
      return { status: 'rejected', reason: `${channel}_invalid_url` };
    default:
      return { status: 'unknown', reason: `${channel}_request_failed` };
  }
}

function readErrcode(data: string): number | undefined {
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
