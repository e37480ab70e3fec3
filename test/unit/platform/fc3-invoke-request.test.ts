import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Fc3InvokeCall } from '../../../src/platform/fc3-invoke-request';
import { buildFc3InvokeRequest } from '../../../src/platform/fc3-invoke-request';
import type { FcCredentials } from '../../../src/platform/invoke-reply';
import { payloadFor, STATIC_AK, STS, useCleanups } from './fc-test-kit';
import { captureSdkInvoke } from './fc3-sdk-capture';

const cleanups = useCleanups();

// STS tokens are base64 and carry + / =.
const STS_BASE64_TOKEN: FcCredentials = {
  accessKeyId: 'STS.NSu1ZvP8xJ3cN2rTZxKq4mWbT',
  accessKeySecret: 'Fq2+Zk/9xW=secret',
  securityToken: 'CAIS8QF1q6Ft5B2yfSjIr5bkKfPxm+1N0Y3eb1rV/0UrY9h3qq+zZz2IHhMenZvAu8WsP0=',
};
const CREDENTIALS = [STATIC_AK, STS, STS_BASE64_TOKEN];

const ENDPOINTS = [
  'https://1234567890123456.cn-hangzhou-internal.fc.aliyuncs.com',
  'https://1234567890123456.cn-shanghai.fc.aliyuncs.com',
  'https://1234567890123456.ap-southeast-1.fc.aliyuncs.com:443',
  'http://fc-gateway.example.test:8080',
  'https://fc-proxy.example.test:8443',
  'http://127.0.0.1:9000',
  'http://[::1]:9000',
];

// FC 3.0 names match ^[_a-zA-Z][-_a-zA-Z0-9]*$; FC 2.0 functions reached through FC 3.0 are `service$function`.
const FUNCTION_NAMES = [
  'dingtalk-reply',
  'legacy$reply',
  '_r',
  'Svc-1$fn_2-x',
  'a$b$c',
  `f${'x'.repeat(63)}`,
];

// The header is not signed, but it is sent: the connector's ids are `m_` + hex, FC accepts
// ^[A-Za-z_][A-Za-z0-9_-]{0,127}$, and DingTalk msgIds with + / = must still go out unchanged.
const TASK_IDS = ['m_0123abcdef', 'msgA+/=', `t_${'9'.repeat(126)}`, 'a b~c%2F'];

const PAYLOADS = [
  payloadFor('msgnB1+DzfESSG9P2Vk6t9/FA=='),
  Buffer.from('{}'),
  Buffer.from([0, 255, 10, 13, 0x80]),
  Buffer.alloc(128 * 1024, '问'),
];

/** Every endpoint with every kind of credentials; names, task ids and payloads rotate through the rows. */
const TABLE: Fc3InvokeCall[] = ENDPOINTS.flatMap((endpoint, e) =>
  CREDENTIALS.map((credentials, c) => {
    const row = e * CREDENTIALS.length + c;
    return {
      endpoint: new URL(endpoint),
      credentials,
      functionName: FUNCTION_NAMES[row % FUNCTION_NAMES.length] ?? '',
      taskId: TASK_IDS[row % TASK_IDS.length] ?? '',
      payload: PAYLOADS[row % PAYLOADS.length] ?? Buffer.alloc(0),
    };
  }),
);

/** Headers that say how the bytes travel (or who sends them), not what is asked. */
const TRANSPORT_HEADERS = ['user-agent', 'connection', 'transfer-encoding', 'content-length'];

function without(headers: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name)));
}

describe('buildFc3InvokeRequest signs exactly as @alicloud/fc20230330 + @alicloud/openapi-core', () => {
  it.each(
    TABLE.map((call) => [
      `${call.endpoint.host} ${call.credentials.securityToken ? 'STS' : 'AK'} ${call.functionName} ${call.taskId.slice(0, 12)}`,
      call,
    ]),
  )('%s', async (_name, call) => {
    const sdk = await captureSdkInvoke(cleanups, call);
    const ours = buildFc3InvokeRequest(call, {
      date: sdk.headers['x-acs-date'] ?? '',
      nonce: sdk.headers['x-acs-signature-nonce'] ?? '',
    });

    expect(ours.canonicalRequest).toBe(sdk.canonicalRequest);
    expect(ours.headers.authorization).toBe(sdk.headers.authorization);
    expect(without(ours.headers, TRANSPORT_HEADERS)).toEqual(without(sdk.headers, TRANSPORT_HEADERS));
    expect([sdk.method, ours.path]).toEqual(['POST', sdk.path]);
    expect(ours.body.equals(sdk.body)).toBe(true);
  });

  it('covers what the table claims: STS headers, encoded names, every endpoint form', async () => {
    const sts = await captureSdkInvoke(cleanups, { ...(TABLE[1] as Fc3InvokeCall), functionName: 'a$b$c' });
    expect(sts.headers).toMatchObject({
      'x-acs-credentials-provider': 'static_sts',
      'x-acs-accesskey-id': STS.accessKeyId,
      'x-acs-security-token': STS.securityToken,
    });
    expect(sts.path).toBe('/2023-03-30/functions/a%24b%24c/invocations');
    expect(new Set(TABLE.map((call) => call.endpoint.host)).size).toBe(ENDPOINTS.length);
    expect(TABLE.map((call) => call.endpoint.host)).toContain('[::1]:9000');
  });
});

describe('buildFc3InvokeRequest', () => {
  const call = TABLE[0] as Fc3InvokeCall;

  it('takes a fresh date and nonce for each request', () => {
    const first = buildFc3InvokeRequest(call);
    const second = buildFc3InvokeRequest(call);

    expect(first.headers['x-acs-date']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Math.abs(Date.parse(first.headers['x-acs-date'] ?? '') - Date.now())).toBeLessThan(5_000);
    expect(first.headers['x-acs-signature-nonce']).not.toBe(second.headers['x-acs-signature-nonce']);
    expect(first.headers.authorization).not.toBe(second.headers.authorization);
  });

  it('hashes the body into x-acs-content-sha256 and carries no AccessKey secret', () => {
    const request = buildFc3InvokeRequest({ ...call, credentials: STS });

    expect(request.headers['x-acs-content-sha256']).toBe(
      createHash('sha256').update(call.payload).digest('hex'),
    );
    expect(JSON.stringify(request)).not.toContain(STS.accessKeySecret);
  });
});
