/** What an HTTP exchange with DingTalk gave back: any status, its body as text. */
export interface HttpAnswer {
  status: number;
  text: string;
}

/** Why a request got no HTTP answer; `kind` is all that is ever classified or logged (never the URL). */
export class HttpRequestError extends Error {
  constructor(
    readonly kind: 'timeout' | 'unreachable' | 'invalid_url' | 'too_large' | 'failed',
    /** The system error code behind it (ECONNREFUSED, UND_ERR_SOCKET…), when there was one. */
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

// Nothing was sent, or the connection broke before an answer: safe to try again (see post-to-webhook.ts).
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Node's own fetch (no dependency to bundle or load): every status handed back for the caller to classify, no
 * redirects followed (DingTalk never sends one), no proxy, and one deadline for the whole exchange (`timeoutMs`,
 * default 10 s). Its errors become HttpRequestError, which never carries the URL (webhooks and signed download
 * addresses are credentials).
 */
export function createDingTalkHttp(timeoutMs = 10_000): DingTalkHttp {
  async function exchange(url: string, init: RequestInit, limitMs = timeoutMs): Promise<Response> {
    try {
      return await fetch(url, {
        ...init,
        redirect: 'manual',
        signal: AbortSignal.timeout(Math.ceil(limitMs)),
      });
    } catch (error) {
      throw toRequestError(error);
    }
  }
  async function readText(response: Response): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      throw toRequestError(error);
    }
  }
  return {
    async send(method, url, body, headers = {}) {
      const response = await exchange(url, {
        method,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return { status: response.status, text: await readText(response) };
    },
    async postForm(url, form) {
      const response = await exchange(url, { method: 'POST', body: form });
      return { status: response.status, text: await readText(response) };
    },
    async getBytes(url, options) {
      const response = await exchange(url, { method: 'GET', headers: { Accept: '*/*' } }, options.timeoutMs);
      const declared = Number(response.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > options.maxBytes) {
        await response.body?.cancel().catch(() => undefined);
        throw new HttpRequestError('too_large');
      }
      const chunks: Uint8Array[] = [];
      let received = 0;
      try {
        for await (const chunk of response.body ?? []) {
          received += chunk.byteLength;
          if (received > options.maxBytes) {
            await response.body?.cancel().catch(() => undefined);
            throw new HttpRequestError('too_large');
          }
          chunks.push(chunk);
        }
      } catch (error) {
        throw error instanceof HttpRequestError ? error : toRequestError(error);
      }
      return { status: response.status, bytes: Buffer.concat(chunks) };
    },
  };
}

function toRequestError(error: unknown): HttpRequestError {
  const name = (error as { name?: unknown })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return new HttpRequestError('timeout');
  const cause = (error as { cause?: { code?: unknown; name?: unknown } })?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (code !== undefined && UNREACHABLE.has(code)) return new HttpRequestError('unreachable', code);
  // fetch refuses ports the Fetch standard blocks before connecting: nothing was sent.
  if ((cause as { message?: unknown } | undefined)?.message === 'bad port')
    return new HttpRequestError('unreachable');
  if (
    code === 'ERR_INVALID_URL' ||
    /invalid url|failed to parse url/i.test(String((error as Error)?.message))
  )
    return new HttpRequestError('invalid_url');
  return new HttpRequestError('failed', code);
}
