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
  const lowerHeaders: Record<string, string> = {};
  if (typeof headers === 'object' && headers !== null) {
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value === 'string') lowerHeaders[name.toLowerCase()] = value;
    }
  }
  const text = typeof body === 'string' ? body : '';
  return {
    method: typeof method === 'string' ? method.toUpperCase() : 'POST',
    headers: lowerHeaders,
    body: isBase64Encoded === true ? Buffer.from(text, 'base64').toString('utf8') : text,
  };
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
