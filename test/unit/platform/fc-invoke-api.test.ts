import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { FcInvokeApi, RecordedInvocation } from '../../../scripts/emulators/fc-invoke-api';
import { InvokeError } from '../../../src/platform/invoke-error';
import { invokeReplyAsync, type ReplyInvokeTarget } from '../../../src/platform/invoke-reply';
import { ACCOUNT_ID, STATIC_AK, STS, startFcApi, useCleanups } from './fc-test-kit';
import { invokeWithSdk } from './fc3-sdk-capture';

// The stand-in must refuse what the real service refuses; otherwise tests that pass against it prove nothing.

const PAYLOAD = Buffer.from('{"msgId":"msgkSaJGfJdnQYS3zWdYCaiQA=="}');
const FC3_PATH = '/2023-03-30/functions/dingtalk-reply/invocations';

const cleanups = useCleanups();
const startApi = (
  onInvocation?: (invocation: RecordedInvocation) => void | Promise<void>,
): Promise<FcInvokeApi> => startFcApi(cleanups, STS, onInvocation ? { onInvocation } : {});

function target(url: string, serviceName?: string): ReplyInvokeTarget {
  return {
    endpoint: new URL(url),
    functionName: serviceName ? 'reply' : 'dingtalk-reply',
    serviceName,
    accountId: ACCOUNT_ID,
    region: 'cn-hangzhou',
    timeoutMs: 5_000,
  };
}

interface Forwarded {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A man in the middle between our client and the stand-in: rewrites each request, then forwards it `times` times. */
async function startTamperingProxy(
  upstream: string,
  tamper: (req: Forwarded) => Forwarded,
  times = 1,
): Promise<string> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const headers = { ...req.headers };
    delete headers['transfer-encoding'];
    delete headers['content-length'];
    const changed = tamper({ path: req.url ?? '/', headers, body: Buffer.concat(chunks) });
    let answer: { status: number; headers: IncomingHttpHeaders; body: Buffer } = {
      status: 0,
      headers: {},
      body: Buffer.alloc(0),
    };
    for (let i = 0; i < times; i++) answer = await forward(upstream, req.method ?? 'POST', changed);
    res.writeHead(answer.status, answer.headers).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function forward(
  upstream: string,
  method: string,
  req: Forwarded,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const out = request(`${upstream}${req.path}`, {
      method,
      headers: { ...req.headers, 'content-length': String(req.body.length) },
    });
    out.on('error', reject);
    out.on('response', async (res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
    });
    out.end(req.body);
  });
}

function flipFirstByte(body: Buffer): Buffer {
  const copy = Buffer.from(body);
  copy[0] = (copy[0] ?? 0) ^ 0x20;
  return copy;
}

async function invokeError(promise: Promise<unknown>): Promise<InvokeError> {
  const error = await promise.then(
    () => expect.fail('expected the invoke to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvokeError);
  return error as InvokeError;
}

async function post(url: string, headers: Record<string, string>, body = PAYLOAD) {
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('FC invoke API stand-in: refuses what FC refuses', () => {
  it('accepts what the official @alicloud/fc20230330 SDK sends, STS and long-term keys alike', async () => {
    const sts = await startApi();
    const ak = await startFcApi(cleanups, STATIC_AK);
    for (const [api, credentials] of [
      [sts, STS],
      [ak, STATIC_AK],
    ] as const) {
      const call = { functionName: 'legacy$reply', payload: PAYLOAD, taskId: 'm_sdk', credentials };
      await invokeWithSdk({ ...call, endpoint: new URL(api.url) });
    }

    expect([...sts.rejections, ...ak.rejections]).toEqual([]);
    expect([...sts.invocations, ...ak.invocations].map((i) => [i.functionName, i.taskId])).toEqual([
      ['legacy$reply', 'm_sdk'],
      ['legacy$reply', 'm_sdk'],
    ]);
  });

  it('refuses an unsigned FC 3.0 request with a JSON error', async () => {
    const api = await startApi();
    const res = await post(`${api.url}${FC3_PATH}`, { 'x-fc-invocation-type': 'Async' });

    expect(res.status).toBe(401);
    expect(res.json).toEqual({
      Code: 'MissingAuthorization',
      Message: expect.any(String),
      RequestId: expect.any(String),
    });
    expect(api.invocations).toEqual([]);
  });

  it('refuses a well-formed but wrong ACS3 signature', async () => {
    const api = await startApi();
    const headers = {
      'content-type': 'application/octet-stream',
      'x-acs-version': '2023-03-30',
      'x-acs-action': 'InvokeFunction',
      'x-acs-date': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      'x-acs-signature-nonce': randomUUID(),
      'x-acs-content-sha256': createHash('sha256').update(PAYLOAD).digest('hex'),
      'x-acs-accesskey-id': STS.accessKeyId,
      'x-acs-security-token': STS.securityToken ?? '',
      'x-fc-invocation-type': 'Async',
    };
    const signedHeaders = [
      'content-type',
      'host',
      ...Object.keys(headers).filter((h) => h.startsWith('x-acs-')),
    ]
      .sort()
      .join(';');
    const authorization = `ACS3-HMAC-SHA256 Credential=${STS.accessKeyId},SignedHeaders=${signedHeaders},Signature=${'0'.repeat(64)}`;
    const res = await post(`${api.url}${FC3_PATH}`, { ...headers, authorization });

    expect(res.status).toBe(403);
    expect(res.json.Code).toBe('SignatureDoesNotMatch');
    expect(api.rejections.map((r) => r.code)).toEqual(['SignatureDoesNotMatch']);
  });

  it('refuses an unsigned and a wrongly signed FC 2.0 request', async () => {
    const api = await startApi();
    const url = `${api.url}/2016-08-15/services/dingtalk/functions/reply/invocations`;
    const base = {
      date: new Date().toUTCString(),
      'x-fc-account-id': ACCOUNT_ID,
      'x-fc-invocation-type': 'Async',
    };

    const unsigned = await post(url, base);
    const wrong = await post(url, {
      ...base,
      'x-fc-security-token': STS.securityToken ?? '',
      authorization: `FC ${STS.accessKeyId}:${Buffer.alloc(32).toString('base64')}`,
    });

    expect([unsigned.status, unsigned.json.ErrorCode]).toEqual([400, 'MissingRequiredHeader']);
    expect([wrong.status, wrong.json.ErrorCode]).toEqual([403, 'SignatureNotMatch']);
    expect(api.invocations).toEqual([]);
  });

  it('answers unknown paths with 404 and other methods with 405', async () => {
    const api = await startApi();
    expect((await fetch(`${api.url}/2023-03-30/functions`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${api.url}${FC3_PATH}`)).status).toBe(405);
  });

  it('detects a body changed in transit (FC 3.0: x-acs-content-sha256)', async () => {
    const api = await startApi();
    const proxy = await startTamperingProxy(api.url, (req) => ({ ...req, body: flipFirstByte(req.body) }));
    const error = await invokeError(invokeReplyAsync(target(proxy), STS, PAYLOAD, 'm_1'));

    expect(error).toMatchObject({ status: 400, code: 'ContentSha256Mismatch' });
    expect(api.invocations).toEqual([]);
  });

  it('detects a changed body whose hash header was recomputed (FC 3.0: signature covers the hash)', async () => {
    const api = await startApi();
    const proxy = await startTamperingProxy(api.url, (req) => {
      const body = flipFirstByte(req.body);
      const sha256 = createHash('sha256').update(body).digest('hex');
      return { ...req, body, headers: { ...req.headers, 'x-acs-content-sha256': sha256 } };
    });
    const error = await invokeError(invokeReplyAsync(target(proxy), STS, PAYLOAD, 'm_2'));
    expect(error).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('detects a redirected function name (FC 3.0: the path is signed)', async () => {
    const api = await startApi();
    const proxy = await startTamperingProxy(api.url, (req) => ({
      ...req,
      path: req.path.replace('dingtalk-reply', 'other'),
    }));
    const error = await invokeError(invokeReplyAsync(target(proxy), STS, PAYLOAD, 'm_3'));
    expect(error).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('refuses a replayed FC 3.0 request (signature nonce reuse)', async () => {
    const api = await startApi();
    const proxy = await startTamperingProxy(api.url, (req) => req, 2);
    const error = await invokeError(invokeReplyAsync(target(proxy), STS, PAYLOAD, 'm_4'));

    expect(error).toMatchObject({ status: 400, code: 'SignatureNonceUsed' });
    expect(api.invocations).toHaveLength(1);
  });

  it('refuses a synchronous invocation (x-fc-invocation-type stripped; not signed in FC 3.0)', async () => {
    const api = await startApi();
    const proxy = await startTamperingProxy(api.url, (req) => {
      const { 'x-fc-invocation-type': _dropped, ...headers } = req.headers;
      return { ...req, headers };
    });
    const error = await invokeError(invokeReplyAsync(target(proxy), STS, PAYLOAD, 'm_5'));
    expect(error).toMatchObject({ status: 400, code: 'InvalidArgument' });
  });

  it('detects a body changed in transit (FC 2.0: content-md5)', async () => {
    const api = await startApi();
    const proxy = await startTamperingProxy(api.url, (req) => ({ ...req, body: flipFirstByte(req.body) }));
    const error = await invokeError(invokeReplyAsync(target(proxy, 'dingtalk'), STS, PAYLOAD, 'm_6'));
    expect(error).toMatchObject({ status: 400, code: 'ContentMD5Mismatch' });
  });

  it('detects a changed body whose content-md5 was recomputed (FC 2.0: signature covers it)', async () => {
    const api = await startApi();
    const proxy = await startTamperingProxy(api.url, (req) => {
      const body = flipFirstByte(req.body);
      const md5 = Buffer.from(createHash('md5').update(body).digest('hex')).toString('base64');
      return { ...req, body, headers: { ...req.headers, 'content-md5': md5 } };
    });
    const error = await invokeError(invokeReplyAsync(target(proxy, 'dingtalk'), STS, PAYLOAD, 'm_7'));
    expect(error).toMatchObject({ status: 403, code: 'SignatureNotMatch' });
  });

  it('detects a changed task id (FC 2.0: x-fc-* headers are signed)', async () => {
    const api = await startApi();
    const proxy = await startTamperingProxy(api.url, (req) => ({
      ...req,
      headers: { ...req.headers, 'x-fc-stateful-async-invocation-id': 'm_forged' },
    }));
    const error = await invokeError(invokeReplyAsync(target(proxy, 'dingtalk'), STS, PAYLOAD, 'm_8'));
    expect(error).toMatchObject({ status: 403, code: 'SignatureNotMatch' });
  });
});

describe('FC invoke API stand-in: runs the function after queueing', () => {
  it('hands each accepted invocation to onInvocation after the 202, and settled() waits for it', async () => {
    const seen: string[] = [];
    const api = await startApi(async (invocation) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      seen.push(invocation.body.toString());
    });
    await invokeReplyAsync(target(api.url), STS, PAYLOAD, 'm_9');
    await invokeReplyAsync(target(api.url, 'dingtalk'), STS, PAYLOAD, 'm_9');
    await api.settled();

    expect(seen).toEqual([PAYLOAD.toString(), PAYLOAD.toString()]);
    expect(api.invocations.map((i) => [i.api, i.taskId])).toEqual([
      ['2023-03-30', 'm_9'],
      ['2016-08-15', 'm_9'],
    ]);
  });

  it('collects onInvocation errors instead of crashing', async () => {
    const api = await startApi(() => {
      throw new Error('reply blew up');
    });
    expect((await invokeReplyAsync(target(api.url), STS, PAYLOAD, 'm_10')).status).toBe('queued');
    await api.settled();
    expect(api.errors).toEqual([new Error('reply blew up')]);
  });

  it('fails exactly the next `count` requests', async () => {
    const api = await startApi();
    api.failNext(500, 'InternalServerError', 2);
    const t = target(api.url);

    expect((await invokeError(invokeReplyAsync(t, STS, PAYLOAD, 'm_11'))).status).toBe(500);
    expect((await invokeError(invokeReplyAsync(t, STS, PAYLOAD, 'm_11'))).status).toBe(500);
    expect((await invokeReplyAsync(t, STS, PAYLOAD, 'm_11')).status).toBe('queued');
    expect(api.rejections.map((r) => [r.status, r.code, r.path])).toEqual([
      [500, 'InternalServerError', FC3_PATH],
      [500, 'InternalServerError', FC3_PATH],
    ]);
  });
});
