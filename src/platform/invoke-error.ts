/** A failed FC invoke call; the message and fields are safe to log (no credentials, URLs or payload). */
export class InvokeError extends Error {
  override name = 'InvokeError';
  /** HTTP status from the invoke API, when a response arrived. */
  status?: number;
  /** FC error code (e.g. `ServiceUnavailable`) or a network code (e.g. `ECONNREFUSED`, `Timeout`). */
  code?: string;
  /** FC request id, for support tickets. */
  requestId?: string;

  constructor(details: {
    status?: number | undefined;
    code?: string | undefined;
    requestId?: string | undefined;
  }) {
    const parts = [details.status === undefined ? undefined : `HTTP ${details.status}`, details.code];
    super(`FC invoke failed: ${parts.filter(Boolean).join(' ') || 'unknown error'}`);
    if (details.status !== undefined) this.status = details.status;
    if (details.code !== undefined) this.code = details.code;
    if (details.requestId !== undefined) this.requestId = details.requestId;
  }
}

// Codes and ids come from the server or the network stack; anything that is not a plain token is dropped
// so a hostile or garbled response cannot smuggle text into our logs.
const SAFE_CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const SAFE_REQUEST_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Converts an error thrown by @alicloud/fc20230330 or @alicloud/fc2 into a log-safe InvokeError (no cause attached). */
export function toInvokeError(error: unknown): InvokeError {
  if (error instanceof InvokeError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : '';
  const code = pickSafe(e.code, SAFE_CODE);

  // fc20230330 (openapi-core): ClientError / ServerError / ThrottlingError carry statusCode and code.
  if (typeof e.statusCode === 'number') {
    return new InvokeError({ status: e.statusCode, code, requestId: pickSafe(e.requestId, SAFE_REQUEST_ID) });
  }
  // fc2: Error named `FC${ErrorCode}Error` whose message reads "... failed with 409. requestid: <id>, ...".
  const fc2Status = /failed with (\d{3})\./.exec(message)?.[1];
  if (name.startsWith('FC') && fc2Status !== undefined) {
    return new InvokeError({
      status: Number(fc2Status),
      code,
      requestId: pickSafe(/requestid: ([^,\s]+)/.exec(message)?.[1], SAFE_REQUEST_ID),
    });
  }
  // httpx (used by both SDKs) names connect and read timeouts RequestTimeoutError.
  if (name === 'RequestTimeoutError') return new InvokeError({ code: 'Timeout' });
  if (code !== undefined) return new InvokeError({ code });
  // Both SDKs JSON.parse error bodies; a non-JSON body surfaces as a bare SyntaxError without a status.
  if (error instanceof SyntaxError) return new InvokeError({ code: 'InvalidResponse' });
  return new InvokeError({ code: 'Unknown' });
}

function pickSafe(value: unknown, pattern: RegExp): string | undefined {
  // openapi-core stringifies absent fields, so a literal "undefined" means "not sent".
  return typeof value === 'string' && value !== 'undefined' && pattern.test(value) ? value : undefined;
}
