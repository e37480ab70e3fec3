import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ModerationCredentials, RiskLevel } from '../../src/moderation/aliyun-moderation';

/**
 * A loopback stand-in for Alibaba Cloud Green's TextModerationPlus (POP RPC, API version 2022-03-02), built from
 * docs/reference function-compute.md §9. It verifies the RPC v1 signature, nonce and timestamp the way POP
 * gateways do, so a client that passes here signs correctly. Gateway errors use POP's codes; service errors
 * (HTTP 200 with a non-200 `Code`) use Green's numeric ones.
 */

/** One request that passed verification. */
export interface GreenRequest {
  service: string;
  content: string;
}

/** A refused request and why. */
export interface GreenRejection {
  status: number;
  code: string | number;
  message: string;
}

/**
 * A scripted failure: HTTP 500 from the gateway, a non-200 `Code` from the service, no answer at all, or the
 * connection dropped (as a server does to an idle pooled socket).
 */
export type GreenFailure = 'http500' | 'code' | 'hang' | 'reset';

/** A running stand-in. */
export interface GreenApi {
  /** http://127.0.0.1:<port>, usable as MODERATION_ENDPOINT. */
  url: string;
  /** Every request that passed verification (scripted failures included), in order. */
  requests: GreenRequest[];
  /** Everything refused, with why. */
  rejections: GreenRejection[];
  /** Makes the next `count` (default 1) verified requests fail this way. */
  failNext(kind: GreenFailure, count?: number): void;
  close(): Promise<void>;
}

/** Options of {@link startGreenApi}. */
export interface GreenApiOptions {
  /** What callers must sign with (STS when securityToken is set). */
  credentials: ModerationCredentials;
  /** A content containing a key gets that level (the highest if several match); anything else is 'none'. */
  risky?: Record<string, RiskLevel>;
}

const API_VERSION = '2022-03-02';
const SERVICES = new Set(['llm_query_moderation', 'llm_response_moderation']);
const MAX_CONTENT_CHARS = 2000;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const MAX_CLOCK_SKEW_MS = 15 * 60_000;
const RISK_ORDER: readonly RiskLevel[] = ['none', 'low', 'medium', 'high'];
const REQUIRED = [
  'Action',
  'Version',
  'Format',
  'AccessKeyId',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'Timestamp',
  'Signature',
] as const;

class Refusal extends Error {
  readonly status: number;
  readonly code: string | number;

  constructor(status: number, code: string | number, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Starts the stand-in on an ephemeral loopback port. */
export async function startGreenApi(options: GreenApiOptions): Promise<GreenApi> {
  const requests: GreenRequest[] = [];
  const rejections: GreenRejection[] = [];
  const failures: GreenFailure[] = [];
  const nonces = new Set<string>();
  const hanging = new Set<ServerResponse>();

  const server = createServer(async (req, res) => {
    const requestId = randomUUID().toUpperCase();
    try {
      const params = await readParams(req);
      verify(req.method ?? 'GET', params, options.credentials, nonces);
      const { service, content } = readServiceParameters(params);
      requests.push({ service, content });
      const failure = failures.shift();
      if (failure === 'hang') {
        hanging.add(res);
        return;
      }
      if (failure === 'reset') {
        req.socket.destroy();
        return;
      }
      if (failure === 'http500') {
        throw new Refusal(
          500,
          'InternalError',
          'The request processing has failed due to some unknown error, exception or failure.',
        );
      }
      if (failure === 'code') throw new Refusal(200, 408, 'permission denied');
      sendJson(res, 200, verdict(service, content, options.risky ?? {}, requestId));
    } catch (error) {
      const refusal =
        error instanceof Refusal ? error : new Refusal(500, 'InternalError', 'stand-in failure');
      rejections.push({ status: refusal.status, code: refusal.code, message: refusal.message });
      const body =
        typeof refusal.code === 'number'
          ? { Code: refusal.code, Message: refusal.message, RequestId: requestId }
          : {
              RequestId: requestId,
              HostId: req.headers.host ?? '',
              Code: refusal.code,
              Message: refusal.message,
            };
      sendJson(res, refusal.status, body);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    rejections,
    failNext: (kind, count = 1) => {
      for (let i = 0; i < count; i++) failures.push(kind);
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Alibaba's percent-encoding: RFC 3986 unreserved characters stay, everything else is %XX (space is %20). */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The RPC v1 string to sign: METHOD&%2F&percentEncode(sorted, encoded query without Signature). */
export function buildStringToSign(method: string, params: ReadonlyMap<string, string>): string {
  const canonical = [...params.keys()]
    .filter((key) => key !== 'Signature')
    .sort()
    .map((key) => `${percentEncode(key)}=${percentEncode(params.get(key) ?? '')}`)
    .join('&');
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonical)}`;
}

/** base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign)). */
export function signRpc(stringToSign: string, accessKeySecret: string): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign, 'utf8').digest('base64');
}

async function readParams(req: IncomingMessage): Promise<Map<string, string>> {
  const url = new URL(req.url ?? '/', 'http://stand-in');
  if (url.pathname !== '/') throw new Refusal(404, 'InvalidAction.NotFound', 'Specified api is not found.');
  if (req.method !== 'GET' && req.method !== 'POST') {
    throw new Refusal(405, 'UnsupportedHTTPMethod', 'This http method is not supported.');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  const body = Buffer.concat(chunks).toString('utf8');
  const sources = [url.searchParams];
  if (body !== '') {
    if (!req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
      throw new Refusal(
        400,
        'InvalidParameter',
        'The request body must be application/x-www-form-urlencoded.',
      );
    }
    sources.push(new URLSearchParams(body));
  }
  const params = new Map<string, string>();
  for (const source of sources) {
    for (const [key, value] of source) {
      if (params.has(key)) {
        throw new Refusal(400, 'InvalidParameter', `The parameter "${key}" is given more than once.`);
      }
      params.set(key, value);
    }
  }
  return params;
}

function verify(
  method: string,
  params: Map<string, string>,
  credentials: ModerationCredentials,
  nonces: Set<string>,
): void {
  for (const name of REQUIRED) {
    if (!params.get(name)) {
      throw new Refusal(
        400,
        'MissingParameter',
        `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
      );
    }
  }
  if (params.get('Format') !== 'JSON') {
    throw new Refusal(400, 'InvalidParameter', 'The stand-in answers Format=JSON only.');
  }
  if (params.get('SignatureMethod') !== 'HMAC-SHA1') {
    throw new Refusal(400, 'InvalidSignatureMethod', 'Specified signature method is not supported.');
  }
  if (params.get('SignatureVersion') !== '1.0') {
    throw new Refusal(400, 'InvalidSignatureVersion', 'Specified signature version is not supported.');
  }
  const timestamp = params.get('Timestamp') ?? '';
  if (!TIMESTAMP.test(timestamp)) {
    throw new Refusal(
      400,
      'InvalidTimeStamp.Format',
      'Specified time stamp or date value is not well formatted.',
    );
  }
  if (Math.abs(Date.now() - Date.parse(timestamp)) > MAX_CLOCK_SKEW_MS) {
    throw new Refusal(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
  }
  if (params.get('AccessKeyId') !== credentials.accessKeyId) {
    throw new Refusal(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
  }
  const token = params.get('SecurityToken');
  if (credentials.securityToken !== undefined && token === undefined) {
    throw new Refusal(400, 'InvalidSecurityToken.Malformed', 'Specified SecurityToken is malformed.');
  }
  if (token !== credentials.securityToken) {
    throw new Refusal(
      400,
      'InvalidSecurityToken.MismatchWithAccessKey',
      'Specified SecurityToken mismatch with the AccessKey.',
    );
  }
  const stringToSign = buildStringToSign(method, params);
  const expected = Buffer.from(signRpc(stringToSign, credentials.accessKeySecret));
  const given = Buffer.from(params.get('Signature') ?? '');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    // The real gateway quotes its string to sign, which holds the key id, token and content: clients must not
    // pass this message on.
    throw new Refusal(
      400,
      'SignatureDoesNotMatch',
      `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`,
    );
  }
  const nonce = params.get('SignatureNonce') ?? '';
  if (nonces.has(nonce))
    throw new Refusal(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
  nonces.add(nonce);
  if (params.get('Version') !== API_VERSION) {
    throw new Refusal(400, 'InvalidVersion', 'Specified parameter Version is not valid.');
  }
  if (params.get('Action') !== 'TextModerationPlus') {
    throw new Refusal(
      404,
      'InvalidAction.NotFound',
      'Specified api is not found, please check your url and method.',
    );
  }
}

function readServiceParameters(params: Map<string, string>): GreenRequest {
  const service = params.get('Service') ?? '';
  if (!SERVICES.has(service)) throw new Refusal(200, 400, 'parameter error: service is not supported');
  let parsed: unknown;
  try {
    parsed = JSON.parse(params.get('ServiceParameters') ?? '');
  } catch {
    throw new Refusal(200, 400, 'parameter error: ServiceParameters is not JSON');
  }
  const content = (parsed as { content?: unknown } | null)?.content;
  if (typeof content !== 'string' || content.trim() === '') {
    throw new Refusal(200, 400, 'parameter error: content is empty');
  }
  if (content.length > MAX_CONTENT_CHARS) throw new Refusal(200, 402, 'content length exceeds the limit');
  return { service, content };
}

function verdict(
  service: string,
  content: string,
  risky: Record<string, RiskLevel>,
  requestId: string,
): object {
  let level: RiskLevel = 'none';
  const words: string[] = [];
  for (const [word, wordLevel] of Object.entries(risky)) {
    if (!content.includes(word)) continue;
    words.push(word);
    if (RISK_ORDER.indexOf(wordLevel) > RISK_ORDER.indexOf(level)) level = wordLevel;
  }
  const confidence = { none: 0, low: 55, medium: 75, high: 95 }[level];
  const result =
    level === 'none'
      ? [{ Label: 'nonLabel', Description: '未检测出风险' }]
      : [
          {
            Label: 'inappropriate_profanity',
            Confidence: confidence,
            Description: '疑似攻击辱骂内容',
            RiskWords: words.join(','),
          },
        ];
  const advice =
    level === 'high' && service === 'llm_query_moderation'
      ? {
          Advice: [{ Answer: '作为人工智能助手，我无法回答这个问题。', HitLabel: 'inappropriate_profanity' }],
        }
      : {};
  return {
    Code: 200,
    Data: { RiskLevel: level, Result: result, ...advice },
    Message: 'OK',
    RequestId: requestId,
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
  res.end(JSON.stringify(body));
}
