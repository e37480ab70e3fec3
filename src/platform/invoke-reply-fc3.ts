import { buildFc3InvokeRequest } from './fc3-invoke-request';
import type { Http1Response } from './http1-response-parser';
import { InvokeError, invokeErrorFromResponse, toInvokeError } from './invoke-error';
import type { FcCredentials, InvokeOutcome, ReplyInvokeTarget } from './invoke-reply';
import { createKeptAliveHttp1, Http1ExchangeError } from './kept-alive-http1';

// Kept-alive sockets spare the next callback a TCP (and TLS) handshake on a warm instance.
const http = createKeptAliveHttp1();

/** FC error bodies are a few hundred bytes of JSON; anything longer is not one. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** Invokes through the FC 3.0 (2023-03-30) API: signs the call itself (ACS3-HMAC-SHA256), sends it over a kept-alive socket. */
export async function invokeFc3(
  target: ReplyInvokeTarget,
  credentials: FcCredentials,
  payload: Buffer,
  taskId: string,
): Promise<InvokeOutcome> {
  const request = buildFc3InvokeRequest({
    endpoint: target.endpoint,
    functionName: target.functionName,
    payload,
    taskId,
    credentials,
  });
  let response: Http1Response;
  try {
    response = await http.exchange(
      target.endpoint,
      { method: 'POST', path: request.path, headers: request.headers, body: request.body },
      { timeoutMs: target.timeoutMs, maxBodyBytes: MAX_ERROR_BODY_BYTES },
    );
  } catch (error) {
    throw error instanceof Http1ExchangeError ? new InvokeError({ code: error.code }) : toInvokeError(error);
  }
  const requestId = response.headers['x-fc-request-id'];
  if (response.status >= 200 && response.status < 300) return { status: 'queued', requestId };
  // 409 = this task id was already accepted: the reply is queued or done, which is what we wanted.
  if (response.status === 409) return { status: 'duplicate' };
  throw readErrorResponse(response.status, response.body, response.truncated, requestId);
}

/** FC answers errors with `{"Code","Message","RequestId"}`. */
function readErrorResponse(
  status: number,
  body: Buffer,
  truncated: boolean,
  requestId: string | undefined,
): InvokeError {
  let parsed: unknown;
  try {
    parsed = truncated ? undefined : JSON.parse(body.toString('utf8'));
  } catch {
    // not JSON: reported as InvalidResponse below
  }
  if (typeof parsed !== 'object' || parsed === null) {
    return invokeErrorFromResponse(status, 'InvalidResponse', requestId);
  }
  const fields = parsed as Record<string, unknown>;
  return invokeErrorFromResponse(
    status,
    fields.Code ?? fields.code,
    fields.RequestId ?? fields.requestId ?? requestId,
  );
}
