/** A complete HTTP/1.x response, as read off a socket. */
export interface Http1Response {
  status: number;
  /** Lower-case names; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  /** The body went past the limit: it holds only the first bytes, and the socket must not be reused. */
  truncated: boolean;
  /** The socket may carry the next request (HTTP/1.1, no `Connection: close`, a framed body, nothing extra). */
  reusable: boolean;
}

/** The bytes are not an HTTP/1.x response; the socket must be dropped. */
export class MalformedResponseError extends Error {
  readonly code = 'InvalidResponse';
  constructor(reason: string) {
    super(`malformed HTTP response: ${reason}`);
    this.name = 'MalformedResponseError';
  }
}

/** Feeds a response's bytes in as they arrive; `push` returns the response once it is complete. */
export interface Http1ResponseParser {
  push(chunk: Buffer): Http1Response | undefined;
  /** The peer closed: the response if its body runs until close, otherwise undefined (it was cut off). */
  end(): Http1Response | undefined;
  /** Whether any byte of the response has arrived. */
  readonly started: boolean;
}

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
/** An RFC 9110 token: what a header name (and a method) may be. */
export const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,8})(?:[ \t]*;[^\r\n]*)?$/;

type Framing = { kind: 'length'; remaining: number } | { kind: 'chunked' } | { kind: 'close' };

/**
 * An HTTP/1.x response reader for one request/response exchange: status line, headers, and a body framed by
 * Content-Length, chunked transfer coding, or the end of the connection (RFC 9112 §6.3). Interim 1xx responses are
 * skipped. Heads over `maxHeadBytes` and anything malformed throw MalformedResponseError.
 */
export function createHttp1ResponseParser(
  limits: { maxHeadBytes: number; maxBodyBytes: number },
  requestMethod = 'POST',
): Http1ResponseParser {
  let buffered: Buffer = Buffer.alloc(0);
  let head: { status: number; headers: Record<string, string>; keepAlive: boolean } | undefined;
  let framing: Framing | undefined;
  const bodyParts: Buffer[] = [];
  let bodyBytes = 0;
  let trailers = false;

  function finish(truncated: boolean, leftover: boolean): Http1Response {
    if (!head || !framing) throw new MalformedResponseError('incomplete head');
    return {
      status: head.status,
      headers: head.headers,
      body: Buffer.concat(bodyParts),
      truncated,
      reusable: head.keepAlive && framing.kind !== 'close' && !truncated && !leftover,
    };
  }

  /** Appends body bytes; true once the limit is passed (the body is then cut at the limit). */
  function appendBody(bytes: Buffer): boolean {
    const room = limits.maxBodyBytes - bodyBytes;
    if (bytes.length > room) {
      if (room > 0) bodyParts.push(bytes.subarray(0, room));
      bodyBytes = limits.maxBodyBytes;
      return true;
    }
    bodyParts.push(bytes);
    bodyBytes += bytes.length;
    return false;
  }

  function readHead(): boolean {
    for (;;) {
      const end = buffered.indexOf(HEAD_END);
      if (end === -1) {
        if (buffered.length > limits.maxHeadBytes) throw new MalformedResponseError('head too large');
        return false;
      }
      if (end > limits.maxHeadBytes) throw new MalformedResponseError('head too large');
      const parsed = parseHead(buffered.subarray(0, end).toString('latin1'));
      buffered = buffered.subarray(end + HEAD_END.length);
      if (parsed.status >= 100 && parsed.status < 200) {
        if (parsed.status === 101) throw new MalformedResponseError('unexpected protocol switch');
        continue;
      }
      head = parsed;
      framing = chooseFraming(parsed.status, parsed.headers, requestMethod);
      return true;
    }
  }

  /** Consumes buffered chunked-coding bytes; true when the last chunk and its trailers are in. */
  function readChunks(): { done: boolean; truncated: boolean } {
    for (;;) {
      if (trailers) {
        const lineEnd = buffered.indexOf(CRLF);
        if (lineEnd === -1) return { done: false, truncated: false };
        buffered = buffered.subarray(lineEnd + CRLF.length);
        if (lineEnd === 0) return { done: true, truncated: false };
        continue;
      }
      const lineEnd = buffered.indexOf(CRLF);
      if (lineEnd === -1) {
        if (buffered.length > 1024) throw new MalformedResponseError('chunk size line too long');
        return { done: false, truncated: false };
      }
      const sizeMatch = CHUNK_SIZE.exec(buffered.subarray(0, lineEnd).toString('latin1'));
      if (!sizeMatch?.[1]) throw new MalformedResponseError('bad chunk size');
      const size = Number.parseInt(sizeMatch[1], 16);
      if (size === 0) {
        buffered = buffered.subarray(lineEnd + CRLF.length);
        trailers = true;
        continue;
      }
      const dataStart = lineEnd + CRLF.length;
      if (buffered.length < dataStart + size + CRLF.length) {
        // The chunk has not fully arrived; once the bytes up to the limit are in, the rest need not be waited for.
        const room = limits.maxBodyBytes - bodyBytes;
        if (size > room && buffered.length - dataStart >= room) {
          appendBody(buffered.subarray(dataStart, dataStart + size));
          return { done: true, truncated: true };
        }
        return { done: false, truncated: false };
      }
      if (!buffered.subarray(dataStart + size, dataStart + size + CRLF.length).equals(CRLF)) {
        throw new MalformedResponseError('chunk not followed by CRLF');
      }
      if (appendBody(buffered.subarray(dataStart, dataStart + size))) return { done: true, truncated: true };
      buffered = buffered.subarray(dataStart + size + CRLF.length);
    }
  }

  // `started` is a plain field, not a getter: an object literal with a getter, made per call, outlives V8's young
  // GCs with all it reaches (measured; a field does not), so every parser and its buffers got promoted, and
  // conversation's slowest acks were the longer GC pauses.
  const parser: Http1ResponseParser & { started: boolean } = {
    started: false,
    push(chunk) {
      if (chunk.length > 0) parser.started = true;
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      if (!head && !readHead()) return undefined;
      if (!framing) return undefined;
      if (framing.kind === 'length') {
        const take = buffered.subarray(0, framing.remaining);
        buffered = buffered.subarray(take.length);
        framing.remaining -= take.length;
        if (appendBody(take)) return finish(true, true);
        return framing.remaining === 0 ? finish(false, buffered.length > 0) : undefined;
      }
      if (framing.kind === 'chunked') {
        const { done, truncated } = readChunks();
        return done ? finish(truncated, buffered.length > 0) : undefined;
      }
      const truncated = appendBody(buffered);
      buffered = Buffer.alloc(0);
      return truncated ? finish(true, true) : undefined;
    },
    end() {
      return head && framing?.kind === 'close' ? finish(false, false) : undefined;
    },
  };
  return parser;
}

function parseHead(text: string): { status: number; headers: Record<string, string>; keepAlive: boolean } {
  const [statusLine = '', ...lines] = text.split('\r\n');
  const match = STATUS_LINE.exec(statusLine);
  if (!match) throw new MalformedResponseError('bad status line');
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    // No colon, whitespace before it, or obsolete line folding: refused, as llhttp does.
    if (colon <= 0 || !HTTP_TOKEN.test(name)) throw new MalformedResponseError('bad header line');
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  const connection = (headers.connection ?? '').toLowerCase();
  const keepAlive = match[1] === '1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
  return { status: Number(match[2]), headers, keepAlive };
}

function chooseFraming(status: number, headers: Record<string, string>, method: string): Framing {
  if (method === 'HEAD' || status === 204 || status === 304) return { kind: 'length', remaining: 0 };
  const transferEncoding = headers['transfer-encoding'];
  if (transferEncoding !== undefined) {
    const codings = transferEncoding.toLowerCase().split(',');
    return codings[codings.length - 1]?.trim() === 'chunked' ? { kind: 'chunked' } : { kind: 'close' };
  }
  const contentLength = headers['content-length'];
  if (contentLength === undefined) return { kind: 'close' };
  const values = new Set(contentLength.split(',').map((value) => value.trim()));
  const [only] = values;
  if (values.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only)) {
    throw new MalformedResponseError('bad content-length');
  }
  return { kind: 'length', remaining: Number(only) };
}
