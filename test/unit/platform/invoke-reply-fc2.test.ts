import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ASYNC_PAYLOAD_LIMIT, type FcInvokeApi } from '../../../scripts/emulators/fc-invoke-api';
import {
  type FcCredentials,
  invokeReplyAsync,
  type ReplyInvokeTarget,
} from '../../../src/platform/invoke-reply';
import {
  ACCOUNT_ID,
  expectLogSafe,
  invokeError,
  payloadFor,
  STATIC_AK,
  STS,
  startFcApi,
  useCleanups,
} from './fc-test-kit';

const cleanups = useCleanups();
const startApi = (credentials: FcCredentials): Promise<FcInvokeApi> => startFcApi(cleanups, credentials);
const PAYLOAD = payloadFor('msgGbE3rH1KtYRJdnd3xB7+5A==');

function fc2Target(url: string, overrides: Partial<ReplyInvokeTarget> = {}): ReplyInvokeTarget {
  return {
    endpoint: new URL(url),
    serviceName: 'dingtalk',
    functionName: 'reply',
    accountId: ACCOUNT_ID,
    region: 'cn-hangzhou',
    timeoutMs: 5_000,
    ...overrides,
  };
}

describe('invokeReplyAsync via FC 2.0 (@alicloud/fc2, service set)', () => {
  it('queues the payload with STS credentials (function role)', async () => {
    const api = await startApi(STS);
    const outcome = await invokeReplyAsync(fc2Target(api.url), STS, PAYLOAD, 'm_0123abcd');

    expect(api.rejections).toEqual([]);
    expect(api.invocations).toEqual([
      {
        api: '2016-08-15',
        serviceName: 'dingtalk',
        functionName: 'reply',
        taskId: 'm_0123abcd',
        body: PAYLOAD,
        requestId: expect.any(String),
      },
    ]);
    expect(outcome).toEqual({ status: 'queued', requestId: api.invocations[0]?.requestId });
  });

  it('queues with static AK credentials', async () => {
    const api = await startApi(STATIC_AK);
    expect((await invokeReplyAsync(fc2Target(api.url), STATIC_AK, PAYLOAD, 'm_1')).status).toBe('queued');
    expect(api.invocations).toHaveLength(1);
  });

  it('reports a reused task id as duplicate (409) without queuing twice', async () => {
    const api = await startApi(STS);
    const target = fc2Target(api.url);

    expect((await invokeReplyAsync(target, STS, PAYLOAD, 'm_same')).status).toBe('queued');
    expect(await invokeReplyAsync(target, STS, PAYLOAD, 'm_same')).toEqual({ status: 'duplicate' });
    expect(api.invocations.map((i) => i.taskId)).toEqual(['m_same']);
    expect(api.rejections.map((r) => [r.status, r.code])).toEqual([[409, 'ResourceExists']]);
  });

  it('rejects a wrong secret with 403 and a message free of secrets and payload', async () => {
    const api = await startApi(STS);
    const wrong = { ...STS, accessKeySecret: 'wrong-secret-Pp7' };
    const error = await invokeError(invokeReplyAsync(fc2Target(api.url), wrong, PAYLOAD, 'm_2'));

    expect(error).toMatchObject({ status: 403, code: 'SignatureNotMatch' });
    expect(error.message).toBe('FC invoke failed: HTTP 403 SignatureNotMatch');
    expectLogSafe(error, [wrong.accessKeySecret, STS.accessKeySecret, STS.securityToken ?? '']);
    expect(api.invocations).toEqual([]);
  });

  it('rejects a foreign account id with 403', async () => {
    const api = await startApi(STS);
    const error = await invokeError(
      invokeReplyAsync(fc2Target(api.url, { accountId: '999' }), STS, PAYLOAD, 'm_3'),
    );
    expect(error).toMatchObject({ status: 403, code: 'AccessDenied' });
  });

  it('turns a 503 into InvokeError with status, code and request id', async () => {
    const api = await startApi(STS);
    api.failNext(503, 'ServiceUnavailable');
    const error = await invokeError(invokeReplyAsync(fc2Target(api.url), STS, PAYLOAD, 'm_4'));

    expect(error).toMatchObject({ status: 503, code: 'ServiceUnavailable' });
    expect(error.requestId).toBe(api.rejections[0]?.requestId);
  });

  it('rejects a payload over the 128 KB async limit', async () => {
    const api = await startApi(STS);
    const error = await invokeError(
      invokeReplyAsync(fc2Target(api.url), STS, Buffer.alloc(ASYNC_PAYLOAD_LIMIT + 1, 'a'), 'm_big'),
    );
    expect(error).toMatchObject({ status: 413, code: 'EntityTooLarge' });
    expect(api.invocations).toEqual([]);
  });

  it('maps connection refused to InvokeError ECONNREFUSED', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const error = await invokeError(invokeReplyAsync(fc2Target(url), STS, PAYLOAD, 'm_5'));
    expect(error.code).toBe('ECONNREFUSED');
    expectLogSafe(error, [STS.accessKeySecret, url]);
  });

  it('maps a non-JSON error body to a status-only InvokeError', async () => {
    const server: Server = createServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const error = await invokeError(invokeReplyAsync(fc2Target(url), STS, PAYLOAD, 'm_6'));
    expect(error.status).toBe(502);
    expect(error.code).toBeUndefined();
    expect(error.message).toBe('FC invoke failed: HTTP 502');
    server.closeAllConnections();
  });

  it('honours the https scheme (TLS against the plain-http stand-in fails, nothing is queued)', async () => {
    const api = await startApi(STS);
    const error = await invokeError(
      invokeReplyAsync(fc2Target(api.url.replace('http:', 'https:')), STS, PAYLOAD, 'm_7'),
    );
    expect(error.status).toBeUndefined();
    expect(api.invocations).toEqual([]);
  });

  it('reports an STS key without a token as InvalidConfig', async () => {
    const api = await startApi(STS);
    const noToken = { accessKeyId: STS.accessKeyId, accessKeySecret: STS.accessKeySecret };
    const error = await invokeError(invokeReplyAsync(fc2Target(api.url), noToken, PAYLOAD, 'm_8'));
    expect(error.code).toBe('InvalidConfig');
    expect(api.invocations).toEqual([]);
  });
});
