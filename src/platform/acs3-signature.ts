import { createHash, createHmac } from 'node:crypto';

/**
 * Alibaba Cloud's V3 request signature (ACS3-HMAC-SHA256), as its "V3 request body & signature mechanism"
 * specification and FC 3.0's "Signature mechanism" page define it, for requests without a query string.
 */

const ALGORITHM = 'ACS3-HMAC-SHA256';

/** The parts of a request the signature covers. */
export interface Acs3Request {
  method: string;
  /** The path exactly as sent, already percent-encoded (see {@link encodePathSegment}). */
  path: string;
  /**
   * Header names in lower case. `host`, `content-type` and every `x-acs-*` header are signed, and
   * `x-acs-content-sha256` (hex SHA-256 of the body) must be among them.
   */
  headers: Readonly<Record<string, string>>;
}

export interface Acs3Signature {
  canonicalRequest: string;
  /** The `Authorization` header value. */
  authorization: string;
}

/** Signs `request` with an AccessKey pair (long-term, or STS with its token already in the headers). */
export function signAcs3(request: Acs3Request, accessKeyId: string, accessKeySecret: string): Acs3Signature {
  const signed = Object.keys(request.headers).filter(isSignedHeader).sort();
  const signedHeaders = signed.join(';');
  const canonicalHeaders = signed.map((name) => `${name}:${request.headers[name]?.trim()}\n`).join('');
  const canonicalRequest = [
    request.method,
    request.path,
    '', // the canonical query string: these requests have none
    canonicalHeaders,
    signedHeaders,
    request.headers['x-acs-content-sha256'] ?? '',
  ].join('\n');
  const stringToSign = `${ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
  const signature = createHmac('sha256', accessKeySecret).update(stringToSign).digest('hex');
  return {
    canonicalRequest,
    authorization: `${ALGORITHM} Credential=${accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`,
  };
}

/** Percent-encodes one path segment the way the specification asks: RFC 3986, only A-Z a-z 0-9 - _ . ~ left as they are. */
export function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Hex SHA-256, as x-acs-content-sha256 and the string to sign carry it. */
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function isSignedHeader(name: string): boolean {
  return name === 'host' || name === 'content-type' || name.startsWith('x-acs-');
}
