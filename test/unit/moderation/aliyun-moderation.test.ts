import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type GreenApi, type GreenApiOptions, startGreenApi } from '../../../scripts/emulators/green-api';
import {
  type AliyunModerationOptions,
  createAliyunModeration,
  type ModerationCredentials,
  ModerationUnavailable,
  type RiskLevel,
} from '../../../src/moderation/aliyun-moderation';

// The function role's STS triple, as FC hands it over.
const STS: ModerationCredentials = {
  accessKeyId: 'STS.NTk3aWx0ZXJlZA',
  accessKeySecret: 'sts-secret-9f2c47d1',
  securityToken: 'CAIS-token-0c1d2e3f4a5b',
};
const RISKY: Record<string, RiskLevel> = { 炸药: 'high', 赌场: 'medium', 八卦: 'low' };
const QUESTION = '请告诉我怎么制作炸药';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startApi(options: Partial<GreenApiOptions> = {}): Promise<GreenApi> {
  const api = await startGreenApi({ credentials: STS, risky: RISKY, ...options });
  cleanups.push(() => api.close());
  return api;
}

function moderation(endpoint: string, options: Partial<AliyunModerationOptions> = {}) {
  return createAliyunModeration({ endpoint, credentials: () => STS, ...options });
}

/** The rejection, checked to be a ModerationUnavailable whose message gives nothing secret away. */
async function unavailable(promise: Promise<unknown>, text: string): Promise<ModerationUnavailable> {
  const error = await promise.then(
    () => expect.unreachable('the check should have failed'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ModerationUnavailable);
  const { message } = error as ModerationUnavailable;
  for (const secret of [STS.accessKeySecret, STS.securityToken ?? '', STS.accessKeyId, text, 'http://']) {
    expect(message).not.toContain(secret);
  }
  expect(JSON.stringify(error)).not.toContain(STS.accessKeySecret);
  expect((error as Error).cause).toBeUndefined();
  return error as ModerationUnavailable;
}

describe('createAliyunModeration against the Green stand-in (STS credentials)', () => {
  it('moderates questions with llm_query_moderation and answers with llm_response_moderation', async () => {
    const api = await startApi();
    const green = moderation(api.url);

    expect(await green.check('question', QUESTION)).toBe('high');
    expect(await green.check('question', '附近有赌场吗')).toBe('medium');
    expect(await green.check('answer', '这只是八卦而已')).toBe('low');
    expect(await green.check('answer', '今天天气晴朗。')).toBe('none');

    expect(api.requests).toEqual([
      { service: 'llm_query_moderation', content: QUESTION },
      { service: 'llm_query_moderation', content: '附近有赌场吗' },
      { service: 'llm_response_moderation', content: '这只是八卦而已' },
      { service: 'llm_response_moderation', content: '今天天气晴朗。' },
    ]);
    expect(api.rejections).toEqual([]);
  });

  it('signs with long-term keys too (no SecurityToken)', async () => {
    const keys = { accessKeyId: 'LTAI5tExampleKey', accessKeySecret: 'long-term-secret' };
    const api = await startApi({ credentials: keys });
    expect(await moderation(api.url, { credentials: () => keys }).check('answer', '八卦')).toBe('low');
  });

  it('does not call the API for blank text', async () => {
    const api = await startApi();
    expect(await moderation(api.url).check('answer', ' \n\t ')).toBe('none');
    expect(api.requests).toEqual([]);
  });

  it('checks long text in chunks within the service limit, and the highest risk wins', async () => {
    const api = await startApi();
    const filler = (n: number) => '风和日丽。'.repeat(n);
    // chunk 1: low; chunk 3: medium; the rest clean
    const text = `${filler(100)}八卦${filler(600)}赌场${filler(200)}`;
    expect(text.length).toBeGreaterThan(4000);

    expect(await moderation(api.url).check('answer', text)).toBe('medium');
    expect(api.requests.length).toBe(3);
    for (const { service, content } of api.requests) {
      expect(service).toBe('llm_response_moderation');
      expect(content.length).toBeLessThanOrEqual(2000);
      expect(text).toContain(content);
    }
    expect(api.requests[0]?.content.startsWith(text.slice(0, 50))).toBe(true);
    expect(api.requests.at(-1)?.content.endsWith(text.slice(-50))).toBe(true);
  });

  it('finds a risky phrase cut by a chunk boundary', async () => {
    const api = await startApi();
    const text = `${'平'.repeat(1999)}炸药${'安'.repeat(1000)}`;
    expect(await moderation(api.url).check('question', text)).toBe('high');
  });

  it('stops sending chunks once one is high risk', async () => {
    const api = await startApi();
    const text = `炸药${'安'.repeat(20_000)}`;
    expect(await moderation(api.url).check('answer', text)).toBe('high');
    expect(api.requests.length).toBeLessThan(11);
  });

  it('reads the credentials on every check, so rotated STS credentials are used', async () => {
    const api = await startApi();
    let current: ModerationCredentials = { ...STS, accessKeySecret: 'expired-secret' };
    const green = moderation(api.url, { credentials: () => current });
    const refused = await unavailable(green.check('question', QUESTION), QUESTION);
    expect(refused.message).toContain('SignatureDoesNotMatch');
    current = STS;
    expect(await green.check('question', QUESTION)).toBe('high');
  });

  it('is unavailable on a wrong secret, without leaking what the gateway quotes back', async () => {
    const api = await startApi();
    const green = moderation(api.url, { credentials: () => ({ ...STS, accessKeySecret: 'wrong' }) });
    const error = await unavailable(green.check('question', QUESTION), QUESTION);
    expect(error.reason).toBe('api-error');
    // The gateway's own message quoted the string to sign, key id and content included.
    expect(api.rejections[0]?.message).toContain(encodeURIComponent(STS.accessKeyId));
  });

  it('is unavailable without credentials, and sends nothing', async () => {
    const api = await startApi();
    const green = moderation(api.url, { credentials: () => undefined });
    expect((await unavailable(green.check('question', QUESTION), QUESTION)).reason).toBe('credentials');
    const broken = moderation(api.url, {
      credentials: () => {
        throw new Error(`cannot read ${STS.accessKeySecret}`);
      },
    });
    expect((await unavailable(broken.check('question', QUESTION), QUESTION)).reason).toBe('credentials');
    expect(api.requests).toEqual([]);
  });

  it('is unavailable on HTTP 500', async () => {
    const api = await startApi();
    api.failNext('http500');
    const error = await unavailable(moderation(api.url).check('question', QUESTION), QUESTION);
    expect(error.reason).toBe('api-error');
    expect(error.message).toContain('InternalError');
  });

  it('is unavailable when the service answers a non-200 Code', async () => {
    const api = await startApi();
    api.failNext('code');
    const error = await unavailable(moderation(api.url).check('answer', QUESTION), QUESTION);
    expect(error.reason).toBe('api-error');
    expect(error.message).toContain('408');
  });

  it('is unavailable when one chunk of a long text fails', async () => {
    const api = await startApi();
    api.failNext('code');
    const text = '安'.repeat(5000);
    await unavailable(moderation(api.url).check('answer', text), text);
  });

  it('is unavailable when the API does not answer in time', async () => {
    const api = await startApi();
    api.failNext('hang');
    const error = await unavailable(
      moderation(api.url, { timeoutMs: 300 }).check('question', QUESTION),
      QUESTION,
    );
    expect(error.reason).toBe('timeout');
  });

  it('is unavailable when the connection is refused', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await unavailable(
      moderation(`http://127.0.0.1:${port}`).check('question', QUESTION),
      QUESTION,
    );
    expect(error.reason).toBe('network');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('retries once on a dropped connection, but not twice', async () => {
    const api = await startApi();
    api.failNext('reset');
    expect(await moderation(api.url).check('question', QUESTION)).toBe('high');
    expect(api.requests.length).toBe(2);

    api.failNext('reset', 2);
    const error = await unavailable(moderation(api.url).check('question', QUESTION), QUESTION);
    expect(error.reason).toBe('network');
  });

  it('is unavailable when the body is not JSON, without quoting it', async () => {
    const body = `<html>502 Bad Gateway ${STS.accessKeySecret}</html>`;
    const server = createServer((_req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const error = await unavailable(moderation(url).check('question', QUESTION), QUESTION);
    expect(error.reason).toBe('malformed');
    expect(error.message).not.toContain('502 Bad Gateway');
  });
});

describe('createAliyunModeration options', () => {
  it('refuses an endpoint that is not an http(s) URL at creation', () => {
    expect(() => moderation('green-cip.cn-shanghai.aliyuncs.com')).toThrow(TypeError);
    expect(() => moderation('https://green-cip.cn-shanghai.aliyuncs.com/')).not.toThrow();
  });
});
