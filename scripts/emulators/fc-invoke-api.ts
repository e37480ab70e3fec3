import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FcCredentials } from '../../src/platform/invoke-reply';

/**
 * A loopback stand-in for Function Compute's InvokeFunction API, both the FC 3.0 (2023-03-30, ACS3-HMAC-SHA256)
 * and the FC 2.0 (2016-08-15, `FC id:sig`) flavours, built from docs/reference function-compute.md §5 and §7.
 * It verifies signatures the way the real service does, so a client that passes here signs correctly.
 * Error codes where the real ones are undocumented (duplicate task id, tampered body) are plausible stand-ins.
 */

/** One accepted (202) invocation. */
export interface RecordedInvocation {
  api: '2023-03-30' | '2016-08-15';
  serviceName?: string;
  functionName: string;
  qualifier?: string;
  taskId?: string;
  body: Buffer;
  requestId: string;
}

/** A refused request and why. */
export interface Rejection {
  status: number;
  code: string;
  message: string;
  path: string;
  requestId: string;
  /** The task id the refused request carried, if any. */
  taskId?: string;
}

/** A running stand-in. */
export interface FcInvokeApi {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Accepted (202) only, in order. */
  invocations: RecordedInvocation[];
  /** Everything refused, with why. */
  rejections: Rejection[];
  /** Errors thrown by `onInvocation`. */
  errors: unknown[];
  /** Makes the next `count` requests fail with this HTTP status and JSON error code (e.g. 503 'ServiceUnavailable', 429 'Throttling'). */
  failNext(status: number, code: string, count?: number): void;
  /** Resolves once every onInvocation started so far has finished. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** Options for {@link startFcInvokeApi}. */
export interface FcInvokeApiOptions {
  accountId: string;
  /** What callers must sign with (STS when securityToken is set). */
  credentials: FcCredentials;
  /** Runs after the 202 is sent, as FC runs the function after queueing; errors land in `errors`. */
  onInvocation?: (invocation: RecordedInvocation) => void | Promise<void>;
  /** Called for every refused request (a 409 for a repeated task id among them). */
  onRejection?: (rejection: Rejection) => void;
}

/** FC's async payload limit (not adjustable without a ticket). */
export const ASYNC_PAYLOAD_LIMIT = 128 * 1024;
const SYNC_PAYLOAD_LIMIT = 32 * 1024 * 1024;
const TASK_ID = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;
const MAX_CLOCK_SKEW_MS = 15 * 60_000;
const FC3_PATH = /^\/2023-03-30\/functions\/([^/]+)\/invocations$/;
const FC2_PATH = /^\/2016-08-15\/services\/([^/]+)\/functions\/([^/]+)\/invocations$/;

type Api = RecordedInvocation['api'];
interface Route {
  api: Api;
  serviceName?: string;
  functionName: string;
  qualifier?: string;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Starts the stand-in on an ephemeral 127.0.0.1 port. */
export async function startFcInvokeApi(options: FcInvokeApiOptions): Promise<FcInvokeApi> {
  const invocations: RecordedInvocation[] = [];
  const rejections: Rejection[] = [];
  const errors: unknown[] = [];
  const failures: Array<{ status: number; code: string }> = [];
  const pending = new Set<Promise<void>>();
  const usedTaskIds = new Set<string>();
  const usedNonces = new Set<string>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const [rawPath = '/', rawQuery = ''] = (req.url ?? '/').split(/\?(.*)/s);
    const api: Api = rawPath.startsWith('/2016-08-15/') ? '2016-08-15' : '2023-03-30';
    try {
      const route = matchRoute(rawPath, rawQuery);
      if (req.method !== 'POST') throw new Refusal(405, 'MethodNotAllowed', `${req.method} is not allowed`);
      const body = await readBody(req);
      const failure = failures.shift();
      if (failure) throw new Refusal(failure.status, failure.code, 'injected failure');
      if (route.api === '2023-03-30')
        verifyAcs3(req, rawPath, rawQuery, body, options.credentials, usedNonces);
      else verifyFc2(req, rawPath, body, options);

      const taskHeader =
        route.api === '2023-03-30' ? 'x-fc-async-task-id' : 'x-fc-stateful-async-invocation-id';
      const invocationType = headerValue(req.headers, 'x-fc-invocation-type');
      if (invocationType?.toLowerCase() !== 'async') {
        throw new Refusal(400, 'InvalidArgument', 'this stand-in only accepts x-fc-invocation-type: Async');
      }
      if (body.length > ASYNC_PAYLOAD_LIMIT) {
        throw new Refusal(413, 'EntityTooLarge', 'payload size exceeds maximum allowed size');
      }
      const taskId = headerValue(req.headers, taskHeader);
      if (taskId !== undefined) {
        if (!TASK_ID.test(taskId)) throw new Refusal(400, 'InvalidArgument', `${taskHeader} is invalid`);
        const key = JSON.stringify([route.api, route.serviceName, route.functionName, taskId]);
        if (usedTaskIds.has(key)) throw new Refusal(409, 'ResourceExists', `task ${taskId} already exists`);
        usedTaskIds.add(key);
      }

      const invocation: RecordedInvocation = { ...route, body, requestId, ...(taskId ? { taskId } : {}) };
      invocations.push(invocation);
      // Registered before the 202 goes out, so settled() called after the client sees 202 includes it.
      const finished = new Promise<void>((resolve) => {
        res.once('finish', resolve).once('close', resolve);
      });
      const run = finished
        .then(() => options.onInvocation?.(invocation))
        .catch((error: unknown) => {
          errors.push(error);
        })
        .finally(() => pending.delete(run));
      pending.add(run);
      res.writeHead(202, { 'x-fc-request-id': requestId, 'content-length': '0' }).end();
    } catch (error) {
      const refusal =
        error instanceof Refusal ? error : new Refusal(500, 'InternalServerError', 'stand-in failure');
      const taskId =
        headerValue(req.headers, 'x-fc-async-task-id') ??
        headerValue(req.headers, 'x-fc-stateful-async-invocation-id');
      const rejection: Rejection = {
        status: refusal.status,
        code: refusal.code,
        message: refusal.message,
        path: rawPath,
        requestId,
        ...(taskId ? { taskId } : {}),
      };
      rejections.push(rejection);
      options.onRejection?.(rejection);
      const payload =
        api === '2023-03-30'
          ? { Code: refusal.code, Message: refusal.message, RequestId: requestId }
          : { ErrorCode: refusal.code, ErrorMessage: refusal.message };
      if (!req.complete) req.resume();
      res
        .writeHead(refusal.status, { 'content-type': 'application/json', 'x-fc-request-id': requestId })
        .end(JSON.stringify(payload));
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    invocations,
    rejections,
    errors,
    failNext(status, code, count = 1) {
      for (let i = 0; i < count; i++) failures.push({ status, code });
    },
    async settled() {
      await Promise.all([...pending]);
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // The SDKs keep connections alive; without this close() waits for their idle timeout.
        server.closeAllConnections();
      });
    },
  };
}

function matchRoute(rawPath: string, rawQuery: string): Route {
  const fc3 = FC3_PATH.exec(rawPath);
  const fc2 = FC2_PATH.exec(rawPath);
  try {
    if (fc3?.[1]) {
      const qualifier = new URLSearchParams(rawQuery).get('qualifier');
      return {
        api: '2023-03-30',
        functionName: decodeURIComponent(fc3[1]),
        ...(qualifier ? { qualifier } : {}),
      };
    }
    if (fc2?.[1] && fc2[2]) {
      // FC 2.0 addresses a version or alias as `service.qualifier`.
      const [serviceName = '', qualifier] = decodeURIComponent(fc2[1]).split(/\.(.*)/s);
      return {
        api: '2016-08-15',
        serviceName,
        functionName: decodeURIComponent(fc2[2]),
        ...(qualifier ? { qualifier } : {}),
      };
    }
  } catch {
    throw new Refusal(400, 'InvalidArgument', 'malformed percent-encoding in path');
  }
  throw new Refusal(404, 'PathNotFound', 'no such API path');
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= SYNC_PAYLOAD_LIMIT) chunks.push(chunk);
  }
  if (size > SYNC_PAYLOAD_LIMIT)
    throw new Refusal(413, 'EntityTooLarge', 'payload size exceeds maximum allowed size');
  return Buffer.concat(chunks);
}

/** FC 3.0: ACS3-HMAC-SHA256 over method, path, sorted query, signed headers and x-acs-content-sha256. */
function verifyAcs3(
  req: IncomingMessage,
  rawPath: string,
  rawQuery: string,
  body: Buffer,
  credentials: FcCredentials,
  usedNonces: Set<string>,
): void {
  const headers = req.headers;
  const authorization = headerValue(headers, 'authorization');
  if (authorization === undefined) throw new Refusal(401, 'MissingAuthorization', 'Authorization is missing');
  const parsed = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(
    authorization,
  );
  if (!parsed?.[1] || !parsed[2] || !parsed[3]) {
    throw new Refusal(400, 'IncompleteSignature', 'Authorization is not ACS3-HMAC-SHA256');
  }
  const [, accessKeyId, signedList, signature] = parsed;
  if (headerValue(headers, 'x-acs-version') !== '2023-03-30') {
    throw new Refusal(400, 'InvalidVersion', 'x-acs-version must be 2023-03-30');
  }
  if (headerValue(headers, 'x-acs-action') !== 'InvokeFunction') {
    throw new Refusal(404, 'InvalidAction.NotFound', 'x-acs-action must be InvokeFunction');
  }
  checkClock(Date.parse(headerValue(headers, 'x-acs-date') ?? ''), 400, 'InvalidTimeStamp.Expired');
  const nonce = headerValue(headers, 'x-acs-signature-nonce');
  if (!nonce) throw new Refusal(400, 'MissingSignatureNonce', 'x-acs-signature-nonce is missing');
  if (usedNonces.has(nonce))
    throw new Refusal(400, 'SignatureNonceUsed', 'x-acs-signature-nonce was used before');

  const signed = signedList.split(';');
  const mustSign = Object.keys(headers).filter(
    (h) => h.startsWith('x-acs-') || h === 'host' || h === 'content-type',
  );
  const sortedUnique = signed.every((h, i) => i === 0 || (signed[i - 1] ?? '') < h);
  if (!sortedUnique || mustSign.some((h) => !signed.includes(h)) || signed.some((h) => !(h in headers))) {
    throw new Refusal(
      400,
      'IncompleteSignature',
      'SignedHeaders must list host, content-type and every x-acs-*',
    );
  }
  if (accessKeyId !== credentials.accessKeyId) {
    throw new Refusal(403, 'InvalidAccessKeyId.NotFound', 'unknown AccessKeyId');
  }
  checkSecurityToken(headerValue(headers, 'x-acs-security-token'), credentials, 'InvalidSecurityToken');
  if (credentials.securityToken && headerValue(headers, 'x-acs-accesskey-id') !== accessKeyId) {
    throw new Refusal(403, 'InvalidSecurityToken', 'x-acs-accesskey-id does not match the credential');
  }

  const contentSha256 = headerValue(headers, 'x-acs-content-sha256') ?? '';
  const canonicalRequest = [
    req.method,
    // The same normalisation openapi-core applies to the path it signs.
    rawPath.replace(/\+/g, '%20').replace(/\*/g, '%2A').replace(/%7E/g, '~'),
    canonicalQuery(rawQuery),
    signed.map((h) => `${h}:${(headerValue(headers, h) ?? '').trim()}\n`).join(''),
    signedList,
    contentSha256,
  ].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${sha256Hex(Buffer.from(canonicalRequest))}`;
  const expected = createHmac('sha256', credentials.accessKeySecret).update(stringToSign).digest('hex');
  if (!safeEqual(expected, signature)) {
    throw new Refusal(403, 'SignatureDoesNotMatch', 'the request signature does not match');
  }
  // Checked after the signature: the header is signed, so only a body changed in transit gets here.
  if (contentSha256 !== sha256Hex(body)) {
    throw new Refusal(400, 'ContentSha256Mismatch', 'x-acs-content-sha256 does not match the body');
  }
  usedNonces.add(nonce);
}

/** FC 2.0: `FC id:base64(HMAC-SHA256(secret, METHOD\ncontent-md5\ncontent-type\ndate\nx-fc-headers+path))`. */
function verifyFc2(req: IncomingMessage, rawPath: string, body: Buffer, options: FcInvokeApiOptions): void {
  const headers = req.headers;
  const { credentials } = options;
  const authorization = headerValue(headers, 'authorization');
  const date = headerValue(headers, 'date');
  const accountId = headerValue(headers, 'x-fc-account-id');
  if (authorization === undefined || date === undefined || accountId === undefined) {
    throw new Refusal(400, 'MissingRequiredHeader', 'Authorization, Date and x-fc-account-id are required');
  }
  const parsed = /^FC ([^:]+):(.+)$/.exec(authorization);
  if (!parsed?.[1] || !parsed[2])
    throw new Refusal(400, 'InvalidArgument', 'Authorization is not "FC id:sig"');
  const [, accessKeyId, signature] = parsed;
  checkClock(Date.parse(date), 403, 'RequestTimeTooSkewed');
  if (accessKeyId !== credentials.accessKeyId)
    throw new Refusal(403, 'InvalidAccessKeyID', 'unknown AccessKeyID');
  checkSecurityToken(headerValue(headers, 'x-fc-security-token'), credentials, 'InvalidSecurityToken');
  if (accountId !== options.accountId) throw new Refusal(403, 'AccessDenied', 'x-fc-account-id is not yours');

  const contentMd5 = headerValue(headers, 'content-md5');
  const fcHeaders = Object.keys(headers)
    .filter((h) => h.startsWith('x-fc-'))
    .sort()
    .map((h) => `${h}:${headerValue(headers, h) ?? ''}\n`)
    .join('');
  const stringToSign = `${req.method}\n${contentMd5 ?? ''}\n${headerValue(headers, 'content-type') ?? ''}\n${date}\n${fcHeaders}${rawPath}`;
  const expected = createHmac('sha256', credentials.accessKeySecret).update(stringToSign).digest('base64');
  if (!safeEqual(expected, signature))
    throw new Refusal(403, 'SignatureNotMatch', 'the request signature does not match');
  // fc2 sends base64 of the *hex* MD5 string, not of the raw digest.
  const bodyMd5 = Buffer.from(createHash('md5').update(body).digest('hex')).toString('base64');
  if ((contentMd5 !== undefined || body.length > 0) && contentMd5 !== bodyMd5) {
    throw new Refusal(400, 'ContentMD5Mismatch', 'Content-MD5 does not match the body');
  }
}

function checkClock(sentMs: number, status: number, code: string): void {
  if (!Number.isFinite(sentMs) || Math.abs(Date.now() - sentMs) > MAX_CLOCK_SKEW_MS) {
    throw new Refusal(status, code, 'request date is missing or too far from the server clock');
  }
}

function checkSecurityToken(sent: string | undefined, credentials: FcCredentials, code: string): void {
  if ((credentials.securityToken || undefined) !== sent) {
    throw new Refusal(403, code, 'security token is missing, unexpected, or wrong');
  }
}

function canonicalQuery(rawQuery: string): string {
  return [...new URLSearchParams(rawQuery)]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${encodeRfc3986(key)}=${encodeRfc3986(value)}`)
    .join('&');
}

function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
