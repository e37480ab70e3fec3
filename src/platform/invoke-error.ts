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

/** An error answer of the invoke API: its status, and the code and request id it reported, if plain tokens. */
export function invokeErrorFromResponse(status: number, code: unknown, requestId: unknown): InvokeError {
  return new InvokeError({
    status,
    code: pickSafe(code, SAFE_CODE),
    requestId: pickSafe(requestId, SAFE_REQUEST_ID),
  });
}

/** Converts an error thrown by @alicloud/fc2 or the network stack into a log-safe InvokeError (no cause attached). */
export function toInvokeError(error: unknown): InvokeError {
  if (error instanceof InvokeError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : '';
  const code = pickSafe(e.code, SAFE_CODE);

  // fc2: Error named `FC${ErrorCode}Error` whose message reads "... failed with 409. requestid: <id>, ...".
  const fc2Status = /failed with (\d{3})\./.exec(message)?.[1];
  if (name.startsWith('FC') && fc2Status !== undefined) {
    return new InvokeError({
      status: Number(fc2Status),
      code,
      requestId: pickSafe(/requestid: ([^,\s]+)/.exec(message)?.[1], SAFE_REQUEST_ID),
    });
  }
  // httpx (under fc2) names connect and read timeouts RequestTimeoutError.
  if (name === 'RequestTimeoutError') return new InvokeError({ code: 'Timeout' });
  if (code !== undefined) return new InvokeError({ code });
  // fc2 JSON.parses error bodies; a non-JSON body surfaces as a bare SyntaxError without a status.
  if (error instanceof SyntaxError) return new InvokeError({ code: 'InvalidResponse' });
  return new InvokeError({ code: 'Unknown' });
}

function pickSafe(value: unknown, pattern: RegExp): string | undefined {
  // fc2 writes an absent request id into its message as "undefined", so that literal means "not sent".
  return typeof value === 'string' && value !== 'undefined' && pattern.test(value) ? value : undefined;
}
