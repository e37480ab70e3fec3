import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { buildFc3InvokeRequest, type Fc3InvokeRequest } from './fc3-invoke-request';
import { InvokeError, invokeErrorFromResponse, toInvokeError } from './invoke-error';
import type { FcCredentials, InvokeOutcome, ReplyInvokeTarget } from './invoke-reply';

// Kept-alive sockets spare the next callback a TCP (and TLS) handshake on a warm instance.
const httpAgent = new HttpAgent({ keepAlive: true });
const httpsAgent = new HttpsAgent({ keepAlive: true });

/** FC error bodies are a few hundred bytes of JSON; anything longer is not one. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** Invokes through the FC 3.0 (2023-03-30) API: signs the call itself (ACS3-HMAC-SHA256), sends it with node:http(s). */
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
  try {
    return await send(target.endpoint, request, target.timeoutMs);
  } catch (error) {
    const invokeError = toInvokeError(error);
    // 409 = this task id was already accepted: the reply is queued or done, which is what we wanted.
    if (invokeError.status === 409) return { status: 'duplicate' };
    throw invokeError;
  }
}

/** Sends the request; resolves on a 2xx, rejects with an InvokeError otherwise. `timeoutMs` bounds the whole exchange. */
function send(endpoint: URL, request: Fc3InvokeRequest, timeoutMs: number): Promise<InvokeOutcome> {
  return new Promise((resolve, reject) => {
    const secure = endpoint.protocol === 'https:';
    const req = (secure ? httpsRequest : httpRequest)(endpoint, {
      method: 'POST',
      path: request.path,
      headers: { ...request.headers, 'content-length': String(request.body.length) },
      agent: secure ? httpsAgent : httpAgent,
    });
    const timer = setTimeout(() => abort(new InvokeError({ code: 'Timeout' })), timeoutMs);
    function abort(error: unknown): void {
      clearTimeout(timer);
      reject(error);
      req.destroy();
    }
    req.on('error', abort);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        clearTimeout(timer);
        // Drained, so the kept-alive socket goes back to the pool.
        res.resume();
        resolve({ status: 'queued', requestId: headerText(res, 'x-fc-request-id') });
        return;
      }
      // A fully read error answer leaves the socket reusable: redeliveries answered 409 are common.
      readErrorResponse(res, status).then((error) => {
        clearTimeout(timer);
        reject(error);
      }, abort);
    });
    req.end(request.body);
  });
}

/** FC answers errors with `{"Code","Message","RequestId"}`. */
async function readErrorResponse(res: IncomingMessage, status: number): Promise<InvokeError> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ERROR_BODY_BYTES) break;
    chunks.push(chunk);
  }
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    // not JSON: reported as InvalidResponse below
  }
  if (!body) return invokeErrorFromResponse(status, 'InvalidResponse', headerText(res, 'x-fc-request-id'));
  return invokeErrorFromResponse(
    status,
    body.Code ?? body.code,
    body.RequestId ?? body.requestId ?? headerText(res, 'x-fc-request-id'),
  );
}

function headerText(res: IncomingMessage, name: string): string | undefined {
  const value = res.headers[name];
  return typeof value === 'string' ? value : undefined;
}
