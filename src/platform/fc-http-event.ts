import type { CoreHttpRequest, CoreHttpResponse } from '../handlers/http-types';

/** FC 3.0's answer to an HTTP-trigger invocation. */
export interface FcHttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  isBase64Encoded: false;
  body: string;
}

/**
 * Decodes FC 3.0's HTTP-trigger event (a JSON Buffer). FC canonicalises header names (`timestamp` arrives as
 * `Timestamp`), so names are lower-cased once here; a binary body arrives base64-encoded.
 */
export function decodeHttpTriggerEvent(event: Buffer | string): CoreHttpRequest | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.isBuffer(event) ? event.toString('utf8') : event);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { headers, body, isBase64Encoded, requestContext } = parsed as Record<string, unknown>;
  const method = (requestContext as { http?: { method?: unknown } } | undefined)?.http?.method;
  const lowerHeaders = readHeaders(headers);
  const text = typeof body === 'string' ? body : '';
  return {
    method: typeof method === 'string' ? method.toUpperCase() : 'POST',
    headers: lowerHeaders,
    body: isBase64Encoded === true ? Buffer.from(text, 'base64').toString('utf8') : text,
  };
}

/**
 * Header names lower-cased, on an object without a prototype (a header named `__proto__` is just a header). A
 * name sent twice in different casings, or with a value that is not a string, is dropped rather than guessed at:
 * for `timestamp` and `sign` that means the callback is refused.
 */
function readHeaders(headers: unknown): Record<string, string> {
  const lower: Record<string, string> = Object.create(null);
  if (typeof headers !== 'object' || headers === null) return lower;
  const dropped = new Set<string>();
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (typeof value !== 'string' || key in lower) dropped.add(key);
    else lower[key] = value;
  }
  for (const key of dropped) delete lower[key];
  return lower;
}

/** Maps a core response to FC's shape; always the explicit object (FC's handling of anything else is undocumented). */
export function toFcHttpResponse(response: CoreHttpResponse): FcHttpResponse {
  return {
    statusCode: response.status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    isBase64Encoded: false,
    body: response.body,
  };
}
