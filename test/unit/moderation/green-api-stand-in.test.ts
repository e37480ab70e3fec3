import RPCClient from '@alicloud/pop-core/lib/rpc';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildStringToSign,
  type GreenApi,
  percentEncode,
  signRpc,
  startGreenApi,
} from '../../../scripts/emulators/green-api';

// The stand-in must refuse what the real gateway refuses; otherwise tests that pass against it prove nothing.

const STS = { accessKeyId: 'STS.NTk3aWx0ZXJlZA', accessKeySecret: 'sts-secret', securityToken: 'CAIS-token' };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startApi(): Promise<GreenApi> {
  const api = await startGreenApi({ credentials: STS, risky: { 炸药: 'high' } });
  cleanups.push(() => api.close());
  return api;
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

let nonceCounter = 0;

/** A correctly signed TextModerationPlus parameter set, which `change` may then tamper with. */
function signedParams(
  overrides: Record<string, string | undefined> = {},
  secret = STS.accessKeySecret,
): Map<string, string> {
  const params = new Map<string, string>();
  const all: Record<string, string | undefined> = {
    Action: 'TextModerationPlus',
    Version: '2022-03-02',
    Format: 'JSON',
    AccessKeyId: STS.accessKeyId,
    SecurityToken: STS.securityToken,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: `nonce-${process.pid}-${++nonceCounter}`,
    Timestamp: isoSeconds(new Date()),
    Service: 'llm_query_moderation',
    ServiceParameters: JSON.stringify({ content: '你好 (world)!' }),
    ...overrides,
  };
  for (const [key, value] of Object.entries(all)) if (value !== undefined) params.set(key, value);
  params.set('Signature', signRpc(buildStringToSign('POST', params), secret));
  return params;
}

async function post(
  api: GreenApi,
  params: Map<string, string>,
): Promise<{ status: number; body: { Code?: unknown } }> {
  const body = [...params].map(([key, value]) => `${percentEncode(key)}=${percentEncode(value)}`).join('&');
  const response = await fetch(`${api.url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { status: response.status, body: (await response.json()) as { Code?: unknown } };
}

describe('Green stand-in: RPC v1 signing helpers', () => {
  it('reproduces the known-answer vector from Alibaba Cloud signature documentation', () => {
    const params = new Map(
      Object.entries({
        AccessKeyId: 'testid',
        Action: 'DescribeRegions',
        Format: 'XML',
        SignatureMethod: 'HMAC-SHA1',
        SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
        SignatureVersion: '1.0',
        Timestamp: '2016-02-23T12:46:24Z',
        Version: '2014-05-26',
      }),
    );
    const stringToSign = buildStringToSign('GET', params);
    expect(stringToSign).toBe(
      'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1' +
        '%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0' +
        '%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26',
    );
    expect(signRpc(stringToSign, 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  it("percent-encodes the way Alibaba's rules say", () => {
    expect(percentEncode("a b*c~d!'()中")).toBe('a%20b%2Ac~d%21%27%28%29%E4%B8%AD');
  });
});

describe('Green stand-in: verification', () => {
  it('accepts a request signed by @alicloud/pop-core and answers like the real API', async () => {
    const api = await startApi();
    const client = new RPCClient({ ...STS, endpoint: api.url, apiVersion: '2022-03-02' });
    const response = await client.request<unknown>(
      'TextModerationPlus',
      { Service: 'llm_query_moderation', ServiceParameters: JSON.stringify({ content: '怎么做炸药' }) },
      { method: 'POST', formatParams: false },
    );
    expect(response).toMatchObject({
      Code: 200,
      Message: 'OK',
      Data: { RiskLevel: 'high', Result: [{ Label: expect.any(String), Confidence: expect.any(Number) }] },
      RequestId: expect.any(String),
    });
    expect(api.requests).toEqual([{ service: 'llm_query_moderation', content: '怎么做炸药' }]);
  });

  it('accepts a hand-signed request and answers none for clean content', async () => {
    const api = await startApi();
    const { status, body } = await post(api, signedParams());
    expect(status).toBe(200);
    expect(body).toMatchObject({ Code: 200, Data: { RiskLevel: 'none', Result: [{ Label: 'nonLabel' }] } });
  });

  it('rejects a request signed with the wrong secret', async () => {
    const api = await startApi();
    const { status, body } = await post(api, signedParams({}, 'not-the-secret'));
    expect(status).toBe(400);
    expect(body.Code).toBe('SignatureDoesNotMatch');
    expect(api.requests).toEqual([]);
  });

  it('rejects a parameter changed after signing', async () => {
    const api = await startApi();
    const params = signedParams();
    params.set('ServiceParameters', JSON.stringify({ content: '别的内容' }));
    const { status, body } = await post(api, params);
    expect(status).toBe(400);
    expect(body.Code).toBe('SignatureDoesNotMatch');
    expect(api.requests).toEqual([]);
  });

  it('rejects a reused nonce', async () => {
    const api = await startApi();
    const params = signedParams();
    expect((await post(api, params)).status).toBe(200);
    const replay = await post(api, params);
    expect(replay).toMatchObject({ status: 400, body: { Code: 'SignatureNonceUsed' } });
  });

  it('rejects a stale or malformed timestamp', async () => {
    const api = await startApi();
    const stale = await post(api, signedParams({ Timestamp: isoSeconds(new Date(Date.now() - 3_600_000)) }));
    expect(stale).toMatchObject({ status: 400, body: { Code: 'InvalidTimeStamp.Expired' } });
    const local = await post(api, signedParams({ Timestamp: '2026-01-01 12:00:00' }));
    expect(local).toMatchObject({ status: 400, body: { Code: 'InvalidTimeStamp.Format' } });
  });

  it('rejects STS calls without the token, and unknown key ids', async () => {
    const api = await startApi();
    const noToken = await post(api, signedParams({ SecurityToken: undefined }));
    expect(noToken).toMatchObject({ status: 400, body: { Code: 'InvalidSecurityToken.Malformed' } });
    const wrongId = await post(api, signedParams({ AccessKeyId: 'STS.other' }));
    expect(wrongId).toMatchObject({ status: 404, body: { Code: 'InvalidAccessKeyId.NotFound' } });
  });

  it('rejects a missing common parameter, a wrong signature method, version or action', async () => {
    const api = await startApi();
    expect(await post(api, signedParams({ SignatureNonce: undefined }))).toMatchObject({
      status: 400,
      body: { Code: 'MissingParameter' },
    });
    expect(await post(api, signedParams({ SignatureMethod: 'HMAC-SHA256' }))).toMatchObject({
      status: 400,
      body: { Code: 'InvalidSignatureMethod' },
    });
    expect(await post(api, signedParams({ Version: '2017-08-23' }))).toMatchObject({
      status: 400,
      body: { Code: 'InvalidVersion' },
    });
    expect(await post(api, signedParams({ Action: 'TextModeration' }))).toMatchObject({
      status: 404,
      body: { Code: 'InvalidAction.NotFound' },
    });
  });

  it('answers an unknown service or oversized content with a service error Code', async () => {
    const api = await startApi();
    expect(await post(api, signedParams({ Service: 'chat_detection' }))).toMatchObject({
      status: 200,
      body: { Code: 400 },
    });
    const long = JSON.stringify({ content: 'x'.repeat(2001) });
    expect(await post(api, signedParams({ ServiceParameters: long }))).toMatchObject({
      status: 200,
      body: { Code: 402 },
    });
    expect(api.requests).toEqual([]);
  });
});
