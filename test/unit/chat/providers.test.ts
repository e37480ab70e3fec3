import { createServer, request } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChatApi } from '../../../scripts/emulators/chat-api';
import { startChatApi } from '../../../scripts/emulators/chat-api';
import type { ChatCompleterOptions } from '../../../src/chat/chat-completer';
import { createChatCompleter } from '../../../src/chat/chat-completer';
import { ChatFailure } from '../../../src/chat/chat-failure';
import { createImageGenerator } from '../../../src/chat/image-generator';
import { captureLogger } from '../../helpers/capture-logger';

const PRIMARY_KEY = 'sk-primary-secret-111';
const FALLBACK_KEY = 'sk-fallback-secret-222';
const SECOND_FALLBACK_KEY = 'sk-second-fallback-333';
const AZURE_KEY = 'azure-key-secret-444';
const AZURE_VERSION = '2024-10-21';
const PROXY_USER = 'proxy-user';
const PROXY_PASSWORD = 'proxy-pass-555';

/** A loopback HTTP proxy as corporate proxies work: CONNECT tunnels and absolute-form forwarding, Basic auth. */
interface LoopbackProxy {
  url: string;
  /** CONNECT targets (host:port), in order. */
  tunnels: string[];
  /** Absolute-form request URLs forwarded, in order. */
  forwarded: string[];
  /** Requests refused for missing or wrong credentials. */
  refused: number;
  close(): Promise<void>;
}

async function startProxy(): Promise<LoopbackProxy> {
  const expected = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`;
  const state = { tunnels: [] as string[], forwarded: [] as string[], refused: 0 };
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket)).on('error', () => socket.destroy());
  };
  const server = createServer((req, res) => {
    if (req.headers['proxy-authorization'] !== expected) {
      state.refused += 1;
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end();
      return;
    }
    const target = new URL(req.url ?? '');
    // The proxy only ever reaches the stand-ins on this machine.
    if (target.hostname !== '127.0.0.1') return void res.writeHead(403).end();
    state.forwarded.push(req.url ?? '');
    const { 'proxy-authorization': _, ...headers } = req.headers;
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    track(client);
    if (req.headers['proxy-authorization'] !== expected) {
      state.refused += 1;
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n',
      );
      return;
    }
    const [host = '', port = ''] = (req.url ?? '').split(':');
    if (host !== '127.0.0.1') return void client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    state.tunnels.push(req.url ?? '');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${port}`,
    get tunnels() {
      return state.tunnels;
    },
    get forwarded() {
      return state.forwarded;
    },
    get refused() {
      return state.refused;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let primary: ChatApi;
let fallback: ChatApi;
let secondFallback: ChatApi;
let azure: ChatApi;
let proxy: LoopbackProxy;

beforeAll(async () => {
  [primary, fallback, secondFallback, proxy] = await Promise.all([
    startChatApi({ apiKey: PRIMARY_KEY, answer: () => '主服务的回答' }),
    startChatApi({ apiKey: FALLBACK_KEY, answer: () => '备用服务的回答' }),
    startChatApi({ apiKey: SECOND_FALLBACK_KEY, answer: () => '第二备用服务的回答' }),
    startProxy(),
  ]);
  azure = await startChatApi({
    apiKey: 'unused-openai-key',
    azure: { deployments: ['gpt-4o-prod', 'dall-e-3'], apiKey: AZURE_KEY, apiVersions: [AZURE_VERSION] },
    answer: () => 'Azure 的回答',
  });
});
afterAll(async () => {
  await Promise.all([primary, fallback, secondFallback, azure, proxy].map((server) => server.close()));
});

const question = [{ role: 'user' as const, content: '你好' }];
const hostOf = (api: ChatApi) => new URL(api.baseUrl).host;

function completer(overrides: Partial<ChatCompleterOptions> = {}) {
  return createChatCompleter({
    apiKey: PRIMARY_KEY,
    baseURL: primary.baseUrl,
    model: 'primary-model',
    timeoutMs: 5000,
    clock: Date.now,
    minRetryBudgetMs: 100,
    sleep: () => Promise.resolve(),
    ...overrides,
  });
}

const withFallbacks = (overrides: Partial<ChatCompleterOptions> = {}) =>
  completer({
    fallbacks: [
      { baseURL: fallback.baseUrl, apiKey: FALLBACK_KEY, model: 'fallback-model' },
      { baseURL: secondFallback.baseUrl, apiKey: SECOND_FALLBACK_KEY, model: 'second-model' },
    ],
    ...overrides,
  });

const azureSettings = (deployment = 'gpt-4o-prod', apiKey = AZURE_KEY) => ({
  endpoint: azure.azureEndpoint,
  apiKey,
  deployment,
  apiVersion: AZURE_VERSION,
});

async function failureOf(promise: Promise<unknown>): Promise<ChatFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChatFailure);
  return error as ChatFailure;
}

/** Requests each stand-in received while `run` ran. */
async function counted<T>(
  run: () => Promise<T>,
): Promise<{ result: T; primary: number; fallback: number; second: number }> {
  const before = [primary.requests.length, fallback.requests.length, secondFallback.requests.length];
  const result = await run();
  return {
    result,
    primary: primary.requests.length - (before[0] ?? 0),
    fallback: fallback.requests.length - (before[1] ?? 0),
    second: secondFallback.requests.length - (before[2] ?? 0),
  };
}

describe('Azure OpenAI', () => {
  it('sends chat requests to the deployment path with api-version and the api-key header', async () => {
    const rejectedBefore = azure.rejected.length;
    const answer = await completer({ azure: azureSettings() }).complete(question, captureLogger().log);
    expect(answer.text).toBe('Azure 的回答');
    expect(answer.endpoint).toBe(new URL(azure.azureEndpoint).host);
    // The stand-in refuses a request without the right api-key header or api-version, and records the deployment.
    expect(azure.requests.at(-1)?.azure).toEqual({ deployment: 'gpt-4o-prod', apiVersion: AZURE_VERSION });
    expect(azure.rejected.length).toBe(rejectedBefore);
  });

  it('works when OPENAI_BASE_URL is also set in the environment (the SDK would read it)', async () => {
    vi.stubEnv('OPENAI_BASE_URL', primary.baseUrl);
    try {
      const answer = await completer({ azure: azureSettings() }).complete(question, captureLogger().log);
      expect(answer.text).toBe('Azure 的回答');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('streams through the deployment path too', async () => {
    const seen: string[] = [];
    azure.script({ kind: 'stream', text: '流式的 Azure 回答', charsPerToken: 2 });
    const answer = await completer({ azure: azureSettings() }).complete(question, captureLogger().log, {
      onText: (text) => seen.push(text),
    });
    expect(answer.text).toBe('流式的 Azure 回答');
    expect(seen.at(-1)).toBe('流式的 Azure 回答');
    expect(azure.requests.at(-1)).toMatchObject({ stream: true, azure: { deployment: 'gpt-4o-prod' } });
  });

  it('an unknown deployment is refused (404), not retried', async () => {
    const before = azure.requests.length;
    const rejectedBefore = azure.rejected.length;
    const failure = await failureOf(
      completer({ azure: azureSettings('no-such-deployment') }).complete(question, captureLogger().log),
    );
    expect(failure.kind).toBe('rejected');
    expect(failure.status).toBe(404);
    expect(azure.requests.length).toBe(before);
    expect(azure.rejected.slice(rejectedBefore).map((r) => r.status)).toEqual([404]);
  });

  it('a wrong api-key is an auth failure, and the key appears in no log line or message', async () => {
    const capture = captureLogger();
    const failure = await failureOf(
      completer({ azure: azureSettings('gpt-4o-prod', 'azure-wrong-key-999') }).complete(
        question,
        capture.log,
      ),
    );
    expect(failure.kind).toBe('auth');
    expect(failure.message).not.toContain('azure-wrong-key-999');
    expect(capture.raw()).not.toContain('azure-wrong-key-999');
  });
});

describe('LLM_FALLBACKS', () => {
  it('primary 500 → the fallback answers at once, and the log records the switch without any key', async () => {
    const capture = captureLogger();
    primary.script({ kind: 'error', status: 500 });
    const run = await counted(() => withFallbacks().complete(question, capture.log));
    expect(run.result.text).toBe('备用服务的回答');
    expect(run.result.endpoint).toBe(hostOf(fallback));
    // No second try at the failing primary: the fallback is the retry.
    expect(run).toMatchObject({ primary: 1, fallback: 1, second: 0 });
    expect(fallback.requests.at(-1)?.model).toBe('fallback-model');
    const switched = capture.lines().find((line) => line.msg === 'switching to a fallback chat API');
    expect(switched).toMatchObject({
      from: { endpoint: hostOf(primary), model: 'primary-model' },
      to: { endpoint: hostOf(fallback), model: 'fallback-model' },
    });
    const answered = capture.lines().find((line) => line.msg === 'chat API answered');
    expect(answered).toMatchObject({ endpoint: hostOf(fallback), fallback: true });
    for (const key of [PRIMARY_KEY, FALLBACK_KEY, SECOND_FALLBACK_KEY])
      expect(capture.raw()).not.toContain(key);
  });

  it('primary 429 → fallback', async () => {
    primary.script({
      kind: 'error',
      status: 429,
      code: 'rate_limit_exceeded',
      headers: { 'retry-after': '20' },
    });
    const run = await counted(() => withFallbacks().complete(question, captureLogger().log));
    expect(run.result.text).toBe('备用服务的回答');
    expect(run).toMatchObject({ primary: 1, fallback: 1 });
  });

  it('primary timeout → the fallback still gets its share of the budget and answers', async () => {
    primary.script({ kind: 'hang' });
    const run = await counted(() =>
      withFallbacks({ timeoutMs: 3000 }).complete(question, captureLogger().log),
    );
    expect(run.result.text).toBe('备用服务的回答');
    expect(run).toMatchObject({ primary: 1, fallback: 1 });
  });

  it('an unreachable primary → fallback', async () => {
    const capture = captureLogger();
    const answer = await withFallbacks({ baseURL: 'http://127.0.0.1:9/v1' }).complete(question, capture.log);
    expect(answer.text).toBe('备用服务的回答');
    expect(capture.lines().find((line) => line.msg === 'chat API call failed')).toMatchObject({
      kind: 'unavailable',
      endpoint: '127.0.0.1:9',
    });
  });

  it('primary 400 → no fallback: a bad request stays a bad request elsewhere', async () => {
    primary.script({ kind: 'error', status: 400, code: 'invalid_request_error', message: 'bad' });
    const run = await counted(() => failureOf(withFallbacks().complete(question, captureLogger().log)));
    expect(run.result.kind).toBe('rejected');
    expect(run).toMatchObject({ primary: 1, fallback: 0, second: 0 });
  });

  it('primary 401 → no fallback: a wrong key is a configuration error to see, not to hide', async () => {
    const run = await counted(() =>
      failureOf(withFallbacks({ apiKey: 'sk-wrong' }).complete(question, captureLogger().log)),
    );
    expect(run.result.kind).toBe('auth');
    expect(run).toMatchObject({ fallback: 0, second: 0 });
  });

  it('a streamed answer cut mid-way → no fallback (part of it is on screen)', async () => {
    primary.script({ kind: 'stream', text: 'x'.repeat(200), failAfterChars: 40, tokensPerSecond: 500 });
    const seen: string[] = [];
    const run = await counted(() =>
      failureOf(withFallbacks().complete(question, captureLogger().log, { onText: (t) => seen.push(t) })),
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.join('')).not.toContain('备用');
    expect(run).toMatchObject({ primary: 1, fallback: 0 });
  });

  it('a stream that fails before any text → the fallback streams the answer', async () => {
    primary.script({ kind: 'error', status: 503 });
    fallback.script({ kind: 'stream', text: '备用的流式回答', charsPerToken: 2 });
    const seen: string[] = [];
    const run = await counted(() =>
      withFallbacks().complete(question, captureLogger().log, { onText: (t) => seen.push(t) }),
    );
    expect(run.result.text).toBe('备用的流式回答');
    expect(seen.at(-1)).toBe('备用的流式回答');
    expect(fallback.requests.at(-1)?.stream).toBe(true);
  });

  it('fallbacks are tried in order', async () => {
    primary.script({ kind: 'error', status: 500 });
    fallback.script({ kind: 'error', status: 502 });
    const run = await counted(() => withFallbacks().complete(question, captureLogger().log));
    expect(run.result.text).toBe('第二备用服务的回答');
    expect(run.result.endpoint).toBe(hostOf(secondFallback));
    expect(run).toMatchObject({ primary: 1, fallback: 1, second: 1 });
  });

  it('the last endpoint keeps its one retry', async () => {
    primary.script({ kind: 'error', status: 500 });
    fallback.script({ kind: 'error', status: 503 });
    const run = await counted(() =>
      completer({
        fallbacks: [{ baseURL: fallback.baseUrl, apiKey: FALLBACK_KEY, model: 'fallback-model' }],
      }).complete(question, captureLogger().log),
    );
    expect(run.result.text).toBe('备用服务的回答');
    expect(run).toMatchObject({ primary: 1, fallback: 2 });
  });

  it('no switch when too little budget is left for the fallback', async () => {
    primary.script({ kind: 'error', status: 500 });
    const run = await counted(() =>
      failureOf(withFallbacks({ minRetryBudgetMs: 60_000 }).complete(question, captureLogger().log)),
    );
    expect(run.result).toMatchObject({ kind: 'unavailable', status: 500 });
    expect(run).toMatchObject({ primary: 1, fallback: 0 });
  });
});

describe('HTTPS_PROXY', () => {
  it('plain and streamed requests go through the proxy, with its credentials', async () => {
    const before = proxy.tunnels.length;
    const capture = captureLogger();
    const chat = completer({ proxyUrl: proxy.url });
    expect((await chat.complete(question, capture.log)).text).toBe('主服务的回答');
    primary.script({ kind: 'stream', text: '经由代理的流式回答' });
    const streamed = await chat.complete(question, capture.log, { onText: () => {} });
    expect(streamed.text).toBe('经由代理的流式回答');
    // undici's ProxyAgent tunnels with CONNECT even to plain-http targets.
    const tunnels = proxy.tunnels.slice(before);
    expect(tunnels.length).toBeGreaterThan(0);
    expect(new Set(tunnels)).toEqual(new Set([hostOf(primary)]));
    expect(capture.raw()).not.toContain(PROXY_PASSWORD);
  });

  it('fallbacks and Azure go through the proxy too', async () => {
    const before = proxy.tunnels.length;
    primary.script({ kind: 'error', status: 500 });
    await withFallbacks({ proxyUrl: proxy.url }).complete(question, captureLogger().log);
    await completer({ azure: azureSettings(), proxyUrl: proxy.url }).complete(question, captureLogger().log);
    expect(new Set(proxy.tunnels.slice(before))).toEqual(
      new Set([hostOf(primary), hostOf(fallback), new URL(azure.azureEndpoint).host]),
    );
  });

  it('image generation goes through the proxy', async () => {
    const before = proxy.tunnels.length;
    const images = createImageGenerator({
      apiKey: PRIMARY_KEY,
      baseURL: primary.baseUrl,
      model: 'dall-e-3',
      proxyUrl: proxy.url,
      timeoutMs: 5000,
    });
    expect((await images.generate('一只猫', captureLogger().log)).kind).toBe('url');
    expect(proxy.tunnels.slice(before)).toContain(hostOf(primary));
  });

  it('a proxy refusing the credentials is "unavailable", and the password stays out of logs and messages', async () => {
    const refusedBefore = proxy.refused;
    const capture = captureLogger();
    const wrong = proxy.url.replace(PROXY_PASSWORD, 'wrong-pass-666');
    const failure = await failureOf(completer({ proxyUrl: wrong }).complete(question, capture.log));
    expect(failure.kind).toBe('unavailable');
    expect(proxy.refused).toBeGreaterThan(refusedBefore);
    expect(`${failure.message}${capture.raw()}`).not.toContain('wrong-pass-666');
  });

  it('an invalid proxy URL is refused at creation, without echoing it', () => {
    expect(() => completer({ proxyUrl: 'not a url secret-777' })).toThrow(/HTTPS_PROXY/);
    expect(() => completer({ proxyUrl: 'not a url secret-777' })).not.toThrow(/secret-777/);
    expect(() => completer({ proxyUrl: 'socks5://127.0.0.1:1080' })).toThrow(/http/);
  });
});
