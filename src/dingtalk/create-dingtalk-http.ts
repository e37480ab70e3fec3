import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** What an HTTP exchange with DingTalk gave back: any status, its body as text. */
export interface HttpAnswer {
  status: number;
  text: string;
}

/** Why a request got no HTTP answer; `kind` is all that is ever classified or logged (never the URL). */
export class HttpRequestError extends Error {
  constructor(
    readonly kind: 'timeout' | 'unreachable' | 'invalid_url' | 'too_large' | 'failed',
    /** The system error code behind it (ECONNREFUSED, ECONNRESET…), when there was one. */
    readonly code?: string,
  ) {
    super(`HTTP request failed: ${kind}${code ? ` (${code})` : ''}`);
    this.name = 'HttpRequestError';
  }
}

/** The HTTP client for DingTalk calls: JSON in, any status and the body text out. */
export interface DingTalkHttp {
  /** A JSON request (POST or PUT). */
  send(
    method: 'POST' | 'PUT',
    url: string,
    body: unknown,
    headers?: Readonly<Record<string, string>>,
  ): Promise<HttpAnswer>;
  /** A multipart form upload (POST). */
  postForm(url: string, form: FormData): Promise<HttpAnswer>;
  /** The bytes at `url`, refused (too_large) once more than `maxBytes` arrive. */
  getBytes(
    url: string,
    options: { maxBytes: number; timeoutMs?: number },
  ): Promise<{ status: number; bytes: Buffer }>;
}

// The connection broke or never formed: nothing was answered, and for the ones before a connection, nothing sent.
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// An answer body is a few hundred bytes of JSON; anything this long is not one.
const MAX_TEXT_BYTES = 1024 * 1024;

// Kept-alive sockets spare the next call a TCP (and TLS) handshake on a warm instance.
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/**
 * node:http(s) with kept-alive sockets (a fraction of the CPU of fetch per call): every status handed back for the
 * caller to classify, no redirects followed (DingTalk never sends one), no proxy, and one deadline for the whole
 * exchange (`timeoutMs`, default 10 s). Its errors become HttpRequestError, which never carries the URL (webhooks
 * and signed download addresses are credentials).
 */
export function createDingTalkHttp(timeoutMs = 10_000): DingTalkHttp {
  return {
    async send(method, url, body, headers = {}) {
      const payload = Buffer.from(JSON.stringify(body), 'utf8');
      const head = { 'Content-Type': 'application/json', Accept: 'application/json', ...headers };
      const answer = await exchange(url, method, head, payload, MAX_TEXT_BYTES, timeoutMs);
      return { status: answer.status, text: answer.bytes.toString('utf8') };
    },
    async postForm(url, form) {
      // The standard Response serialises the form and names its boundary; uploads are rare, so its cost is too.
      const encoded = new Response(form);
      const payload = Buffer.from(await encoded.arrayBuffer());
      const head = { 'Content-Type': encoded.headers.get('content-type') ?? 'multipart/form-data' };
      const answer = await exchange(url, 'POST', head, payload, MAX_TEXT_BYTES, timeoutMs);
      return { status: answer.status, text: answer.bytes.toString('utf8') };
    },
    getBytes(url, options) {
      return exchange(
        url,
        'GET',
        { Accept: '*/*' },
        undefined,
        options.maxBytes,
        options.timeoutMs ?? timeoutMs,
      );
    },
  };
}

function exchange(
  url: string,
  method: string,
  headers: Record<string, string>,
  payload: Buffer | undefined,
  maxBytes: number,
  limitMs: number,
): Promise<{ status: number; bytes: Buffer }> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new HttpRequestError('invalid_url'));
  }
  const secure = target.protocol === 'https:';
  if (!secure && target.protocol !== 'http:') return Promise.reject(new HttpRequestError('invalid_url'));
  return new Promise((resolve, reject) => {
    let settled = false;
    let connected = false;
    const finish = (error: HttpRequestError | undefined, answer?: { status: number; bytes: Buffer }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        req.destroy();
        reject(error);
      } else if (answer) resolve(answer);
    };
    const req = (secure ? httpsRequest : httpRequest)(target, {
      method,
      headers: payload === undefined ? headers : { ...headers, 'Content-Length': String(payload.length) },
      agent: secure ? agents.https : agents.http,
    });
    // Before a connection nothing was sent, so the deadline means unreachable; after it, maybe delivered.
    const timer = setTimeout(
      () => finish(new HttpRequestError(connected ? 'timeout' : 'unreachable', 'deadline')),
      Math.ceil(limitMs),
    );
    req.on('socket', (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once('connect', () => (connected = true));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      const code = typeof error.code === 'string' ? error.code : undefined;
      finish(new HttpRequestError(code && UNREACHABLE.has(code) ? 'unreachable' : 'failed', code));
    });
    req.on('response', (res: IncomingMessage) => {
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) return finish(new HttpRequestError('too_large'));
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBytes) return finish(new HttpRequestError('too_large'));
        chunks.push(chunk);
      });
      res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, bytes: Buffer.concat(chunks) }));
      res.on('error', (error: NodeJS.ErrnoException) => finish(new HttpRequestError('failed', error.code)));
    });
    req.end(payload);
  });
}
