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
  startRawServer,
  useCleanups,
} from './fc-test-kit';

const cleanups = useCleanups();
const startApi = (credentials: FcCredentials): Promise<FcInvokeApi> => startFcApi(cleanups, credentials);
const PAYLOAD = payloadFor('msgnB1+DzfESSG9P2Vk6t9/FA==');

function fc3Target(url: string, overrides: Partial<ReplyInvokeTarget> = {}): ReplyInvokeTarget {
  return {
    endpoint: new URL(url),
    functionName: 'dingtalk-reply',
    accountId: ACCOUNT_ID,
    region: 'cn-hangzhou',
    timeoutMs: 5_000,
    ...overrides,
  };
}

describe('invokeReplyAsync via FC 3.0 (requests signed here, ACS3-HMAC-SHA256)', () => {
  it('queues the payload with static AK credentials over plain http', async () => {
    const api = await startApi(STATIC_AK);
    const outcome = await invokeReplyAsync(fc3Target(api.url), STATIC_AK, PAYLOAD, 'm_0123abcd');

    expect(api.rejections).toEqual([]);
    expect(api.invocations).toEqual([
      {
        api: '2023-03-30',
        functionName: 'dingtalk-reply',
        taskId: 'm_0123abcd',
        body: PAYLOAD,
        requestId: expect.any(String),
      },
    ]);
    expect(outcome).toEqual({ status: 'queued', requestId: api.invocations[0]?.requestId });
  });

  it('queues with STS credentials (function role) and percent-encodes svc$fn names', async () => {
    const api = await startApi(STS);
    const outcome = await invokeReplyAsync(
      fc3Target(api.url, { functionName: 'legacy$reply' }),
      STS,
      PAYLOAD,
      'm_1',
    );

    expect(outcome.status).toBe('queued');
    expect(api.invocations.map((i) => [i.functionName, i.taskId])).toEqual([['legacy$reply', 'm_1']]);
  });

  it('reports a reused task id as duplicate (409) without queuing twice', async () => {
    const api = await startApi(STATIC_AK);
    const target = fc3Target(api.url);

    expect((await invokeReplyAsync(target, STATIC_AK, PAYLOAD, 'm_same')).status).toBe('queued');
    expect(await invokeReplyAsync(target, STATIC_AK, PAYLOAD, 'm_same')).toEqual({ status: 'duplicate' });
    expect((await invokeReplyAsync(target, STATIC_AK, PAYLOAD, 'm_other')).status).toBe('queued');

    expect(api.invocations.map((i) => i.taskId)).toEqual(['m_same', 'm_other']);
    expect(api.rejections.map((r) => r.status)).toEqual([409]);
  });

  it('rejects a wrong secret with 403 and a message free of secrets and payload', async () => {
    const api = await startApi(STATIC_AK);
    const wrong = { ...STATIC_AK, accessKeySecret: 'wrong-secret-Pp7' };
    const error = await invokeError(invokeReplyAsync(fc3Target(api.url), wrong, PAYLOAD, 'm_2'));

    expect(error).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(error.message).toBe('FC invoke failed: HTTP 403 SignatureDoesNotMatch');
    expectLogSafe(error, [wrong.accessKeySecret, STATIC_AK.accessKeySecret]);
    expect(api.invocations).toEqual([]);
  });

  it('rejects a wrong STS token with 403', async () => {
    const api = await startApi(STS);
    const wrong = { ...STS, securityToken: 'CAIS-other-token' };
    const error = await invokeError(invokeReplyAsync(fc3Target(api.url), wrong, PAYLOAD, 'm_3'));

    expect(error.status).toBe(403);
    expectLogSafe(error, [wrong.securityToken, STS.accessKeySecret]);
  });

  it('picks up changed credentials instead of reusing a client built with old ones', async () => {
    const api = await startApi(STATIC_AK);
    const target = fc3Target(api.url);
    const wrong = { ...STATIC_AK, accessKeySecret: 'rotated-away' };

    expect((await invokeReplyAsync(target, STATIC_AK, PAYLOAD, 'm_a')).status).toBe('queued');
    expect((await invokeError(invokeReplyAsync(target, wrong, PAYLOAD, 'm_b'))).status).toBe(403);
    expect((await invokeReplyAsync(target, STATIC_AK, PAYLOAD, 'm_c')).status).toBe('queued');
    expect(api.invocations.map((i) => i.taskId)).toEqual(['m_a', 'm_c']);
  });

  it('turns a 503 into InvokeError with status and code', async () => {
    const api = await startApi(STATIC_AK);
    api.failNext(503, 'ServiceUnavailable');
    const error = await invokeError(invokeReplyAsync(fc3Target(api.url), STATIC_AK, PAYLOAD, 'm_4'));

    expect(error).toMatchObject({ status: 503, code: 'ServiceUnavailable' });
    expect(error.message).toBe('FC invoke failed: HTTP 503 ServiceUnavailable');
    expect(error.requestId).toBe(api.rejections[0]?.requestId);
    // The failure did not consume the task id: a retry is accepted.
    expect((await invokeReplyAsync(fc3Target(api.url), STATIC_AK, PAYLOAD, 'm_4')).status).toBe('queued');
  });

  it('turns throttling (429) into InvokeError', async () => {
    const api = await startApi(STATIC_AK);
    api.failNext(429, 'Throttling');
    const error = await invokeError(invokeReplyAsync(fc3Target(api.url), STATIC_AK, PAYLOAD, 'm_5'));
    expect(error).toMatchObject({ status: 429, code: 'Throttling' });
  });

  it('rejects a payload over the 128 KB async limit and accepts one at the limit', async () => {
    const api = await startApi(STATIC_AK);
    const target = fc3Target(api.url);
    const atLimit = Buffer.alloc(ASYNC_PAYLOAD_LIMIT, 'a');
    const overLimit = Buffer.alloc(ASYNC_PAYLOAD_LIMIT + 1, 'a');

    const error = await invokeError(invokeReplyAsync(target, STATIC_AK, overLimit, 'm_big'));
    expect(error).toMatchObject({ status: 413, code: 'EntityTooLarge' });
    expect((await invokeReplyAsync(target, STATIC_AK, atLimit, 'm_fits')).status).toBe('queued');
    expect(api.invocations.map((i) => i.body.length)).toEqual([ASYNC_PAYLOAD_LIMIT]);
  });

  it('rejects a task id FC would not accept', async () => {
    const api = await startApi(STATIC_AK);
    const error = await invokeError(invokeReplyAsync(fc3Target(api.url), STATIC_AK, PAYLOAD, 'msgA+/='));
    expect(error).toMatchObject({ status: 400, code: 'InvalidArgument' });
  });

  it('maps connection refused to InvokeError ECONNREFUSED', async () => {
    const url = await startRawServer(cleanups, () => {});
    await cleanups.pop()?.(); // close it again: nothing listens on that port now
    const error = await invokeError(invokeReplyAsync(fc3Target(url), STATIC_AK, PAYLOAD, 'm_6'));
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.status).toBeUndefined();
    expectLogSafe(error, [STATIC_AK.accessKeySecret, url]);
  });

  it('gives up after timeoutMs when FC never answers', async () => {
    const url = await startRawServer(cleanups, () => {
      // accept the request, never respond
    });
    const error = await invokeError(
      invokeReplyAsync(fc3Target(url, { timeoutMs: 200 }), STATIC_AK, PAYLOAD, 'm_7'),
    );
    expect(error.code).toBe('Timeout');
    expectLogSafe(error, [url]);
  });

  it('maps a non-JSON error body to InvokeError InvalidResponse, keeping the status', async () => {
    const url = await startRawServer(cleanups, (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>');
    });
    const error = await invokeError(invokeReplyAsync(fc3Target(url), STATIC_AK, PAYLOAD, 'm_8'));
    expect(error).toMatchObject({ status: 502, code: 'InvalidResponse' });
    expect(error.message).toBe('FC invoke failed: HTTP 502 InvalidResponse');
  });

  it('drops an error code or request id that is not a plain token', async () => {
    const url = await startRawServer(cleanups, (_req, res) => {
      const body = { Code: 'Bad\nCode https://evil.example', RequestId: 'id with spaces' };
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    const error = await invokeError(invokeReplyAsync(fc3Target(url), STATIC_AK, PAYLOAD, 'm_8b'));
    expect(error).toMatchObject({ status: 400, message: 'FC invoke failed: HTTP 400' });
    expect(error.code).toBeUndefined();
    expect(error.requestId).toBeUndefined();
  });

  it('reads a 409 as duplicate whatever its body says', async () => {
    const url = await startRawServer(cleanups, (_req, res) => {
      res.writeHead(409).end();
    });
    expect(await invokeReplyAsync(fc3Target(url), STATIC_AK, PAYLOAD, 'm_8c')).toEqual({
      status: 'duplicate',
    });
  });

  it('gives up after timeoutMs when an error body never finishes', async () => {
    const url = await startRawServer(cleanups, (_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' }).write('{"Code":');
    });
    const error = await invokeError(
      invokeReplyAsync(fc3Target(url, { timeoutMs: 200 }), STATIC_AK, PAYLOAD, 'm_8d'),
    );
    expect(error).toMatchObject({ code: 'Timeout' });
    expect(error.status).toBeUndefined();
  });

  it('keeps one connection alive across calls, an answered 409 included', async () => {
    const clientPorts = new Set<number | undefined>();
    const url = await startRawServer(cleanups, (req, res) => {
      clientPorts.add(req.socket.remotePort);
      req.resume().on('end', () => {
        if (req.headers['x-fc-async-task-id'] === 'm_seen') {
          res.writeHead(409, { 'content-type': 'application/json' }).end('{"Code":"ResourceExists"}');
        } else res.writeHead(202, { 'content-length': '0' }).end();
      });
    });
    const outcomes = [];
    for (const taskId of ['m_k1', 'm_seen', 'm_k2']) {
      outcomes.push((await invokeReplyAsync(fc3Target(url), STATIC_AK, PAYLOAD, taskId)).status);
    }
    expect(outcomes).toEqual(['queued', 'duplicate', 'queued']);
    expect(clientPorts.size).toBe(1);
  });

  it('honours the https scheme (TLS against the plain-http stand-in fails, nothing is queued)', async () => {
    const api = await startApi(STATIC_AK);
    const httpsUrl = api.url.replace('http:', 'https:');
    const error = await invokeError(invokeReplyAsync(fc3Target(httpsUrl), STATIC_AK, PAYLOAD, 'm_9'));
    expect(error.status).toBeUndefined();
    expect(api.invocations).toEqual([]);
  });

  it('refuses endpoints that are neither http nor https', async () => {
    const error = await invokeError(
      invokeReplyAsync(fc3Target('ftp://127.0.0.1:1'), STATIC_AK, PAYLOAD, 'm_10'),
    );
    expect(error.code).toBe('InvalidEndpoint');
  });
});
