import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
// lib/rpc is the RPC client alone; the package's index also loads the ROA client and its XML parser.
import type RPCClient from '@alicloud/pop-core/lib/rpc';
import { chunkText } from './chunk-text';

/** Green's verdict on a text, from none to high. */
export type RiskLevel = 'high' | 'medium' | 'low' | 'none';

/** A user's question or the model's answer: each has its own moderation service. */
export type ModerationKind = 'question' | 'answer';

/** Alibaba Cloud credentials (the function role's STS triple on FC). */
export interface ModerationCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string | undefined;
}

/** Why no verdict came back. */
export type ModerationFailure = 'credentials' | 'timeout' | 'network' | 'api-error' | 'malformed';

/** The moderation API gave no verdict. The message is safe to log: no credentials, no text, no URL. */
export class ModerationUnavailable extends Error {
  override readonly name = 'ModerationUnavailable';
  /** Why no verdict came back. */
  readonly reason: ModerationFailure;

  constructor(message: string, reason: ModerationFailure) {
    super(message);
    this.reason = reason;
  }
}

/** Options of {@link createAliyunModeration}. */
export interface AliyunModerationOptions {
  /** e.g. https://green-cip.cn-shanghai.aliyuncs.com (MODERATION_ENDPOINT). */
  endpoint: string;
  /** Read on every check, because FC rotates the role's STS credentials. */
  credentials: () => ModerationCredentials | undefined;
  /** Per request (default 3000). */
  timeoutMs?: number;
}

/** Checks questions and answers with Alibaba Cloud Green. */
export interface Moderation {
  /** The highest risk Green finds in `text`; throws {@link ModerationUnavailable} when it cannot tell. */
  check(kind: ModerationKind, text: string): Promise<RiskLevel>;
}

const API_VERSION = '2022-03-02';
const SERVICES: Record<ModerationKind, string> = {
  question: 'llm_query_moderation',
  answer: 'llm_response_moderation',
};
const RISK_ORDER: readonly RiskLevel[] = ['none', 'low', 'medium', 'high'];
// TextModerationPlus accepts at most 2,000 characters of content per request.
const MAX_CONTENT_CHARS = 2000;
// Chunks overlap so a phrase cut by a boundary is still seen whole by one of them.
const CHUNK_OVERLAP = 100;
// Long answers go in waves: quick, yet far below the API's 50 requests per second per account.
const PARALLEL_CHUNKS = 4;
// A pooled socket the server closed while we were idle fails on reuse; one fresh attempt is enough.
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/** A Green TextModerationPlus client on `@alicloud/pop-core` (POP RPC, HMAC-SHA1 signed, STS-aware). */
export function createAliyunModeration(options: AliyunModerationOptions): Moderation {
  const endpoint = options.endpoint.replace(/\/+$/, '');
  // A bad endpoint is a configuration error: say so at start-up, not as an outage on every message.
  if (!/^https?:\/\/[^/]/.test(endpoint)) {
    throw new TypeError('The moderation endpoint must be an http(s) URL');
  }
  const timeoutMs = options.timeoutMs ?? 3000;
  const agent = endpoint.startsWith('https://')
    ? new HttpsAgent({ keepAlive: true })
    : new HttpAgent({ keepAlive: true });
  let cached: { credentials: ModerationCredentials; client: RPCClient } | undefined;

  const clientFor = (credentials: ModerationCredentials): RPCClient => {
    if (
      cached?.credentials.accessKeyId === credentials.accessKeyId &&
      cached.credentials.accessKeySecret === credentials.accessKeySecret &&
      cached.credentials.securityToken === credentials.securityToken
    ) {
      return cached.client;
    }
    // Loaded on first use: only deployments with MODERATION=aliyun carry pop-core (a separate file in the build).
    const Client = require('@alicloud/pop-core/lib/rpc') as typeof RPCClient;
    const client = new Client({
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
      endpoint,
      apiVersion: API_VERSION,
    });
    cached = { credentials: { ...credentials }, client };
    return client;
  };

  const askService = async (client: RPCClient, service: string, content: string): Promise<RiskLevel> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await client.request<unknown>(
          'TextModerationPlus',
          { Service: service, ServiceParameters: JSON.stringify({ content }) },
          // formatParams: false sends the parameter names exactly as written (they are already PascalCase).
          { method: 'POST', timeout: timeoutMs, formatParams: false, agent },
        );
        return readRiskLevel(response, service);
      } catch (error) {
        if (error instanceof ModerationUnavailable) throw error;
        if (attempt === 1 && STALE_SOCKET_CODES.has(errorField(error, 'code'))) continue;
        throw toUnavailable(error, service, timeoutMs);
      }
    }
  };

  return {
    async check(kind, text) {
      const chunks = chunkText(text, MAX_CONTENT_CHARS, CHUNK_OVERLAP).filter((chunk) => chunk.trim() !== '');
      if (chunks.length === 0) return 'none';
      const service = SERVICES[kind];
      const client = clientFor(readCredentials(options.credentials, service));
      let highest: RiskLevel = 'none';
      for (let next = 0; next < chunks.length && highest !== 'high'; next += PARALLEL_CHUNKS) {
        const wave = chunks.slice(next, next + PARALLEL_CHUNKS);
        for (const level of await Promise.all(wave.map((chunk) => askService(client, service, chunk)))) {
          if (RISK_ORDER.indexOf(level) > RISK_ORDER.indexOf(highest)) highest = level;
        }
      }
      return highest;
    },
  };
}

function readCredentials(
  read: AliyunModerationOptions['credentials'],
  service: string,
): ModerationCredentials {
  let credentials: ModerationCredentials | undefined;
  try {
    credentials = read();
  } catch {
    credentials = undefined;
  }
  if (!credentials?.accessKeyId || !credentials.accessKeySecret) {
    throw new ModerationUnavailable(
      `Moderation (${service}) has no Alibaba Cloud credentials: give the function a role with AliyunYundunGreenWebFullAccess`,
      'credentials',
    );
  }
  return credentials;
}

function readRiskLevel(response: unknown, service: string): RiskLevel {
  const body = (response ?? {}) as { Code?: unknown; Data?: { RiskLevel?: unknown } };
  if (body.Code !== 200 && body.Code !== '200') {
    throw new ModerationUnavailable(
      `Moderation API (${service}) answered Code ${safeCode(body.Code)}`,
      'api-error',
    );
  }
  const level = body.Data?.RiskLevel;
  if (!RISK_ORDER.includes(level as RiskLevel)) {
    throw new ModerationUnavailable(
      `Moderation API (${service}) answered without a known RiskLevel`,
      'malformed',
    );
  }
  return level as RiskLevel;
}

/**
 * Never passes the original error on: pop-core's carry the request URL and entry, its messages can quote the
 * server's string-to-sign (key id, token, text), and a JSON parse failure carries the whole response body.
 */
function toUnavailable(error: unknown, service: string, timeoutMs: number): ModerationUnavailable {
  const prefix = `Moderation API (${service})`;
  if (errorField(error, 'name') === 'RequestTimeoutError') {
    return new ModerationUnavailable(`${prefix} did not answer within ${timeoutMs} ms`, 'timeout');
  }
  if (errorField(error, 'name') === 'SyntaxError') {
    return new ModerationUnavailable(`${prefix} answered with a body that is not JSON`, 'malformed');
  }
  const data = (error as { data?: unknown } | null)?.data;
  if (data && typeof data === 'object' && 'Code' in data) {
    return new ModerationUnavailable(`${prefix} answered Code ${safeCode(data.Code)}`, 'api-error');
  }
  const code = errorField(error, 'code');
  if (/^E[A-Z_]+$/.test(code)) return new ModerationUnavailable(`${prefix} unreachable (${code})`, 'network');
  return new ModerationUnavailable(
    `${prefix} call failed (${safeCode(errorField(error, 'name'))})`,
    'network',
  );
}

function errorField(error: unknown, field: 'name' | 'code'): string {
  const value = (error as Record<string, unknown> | null)?.[field];
  return typeof value === 'string' ? value : '';
}

function safeCode(code: unknown): string {
  const text = String(code);
  return /^[\w.-]{1,64}$/.test(text) ? text : 'unknown';
}
