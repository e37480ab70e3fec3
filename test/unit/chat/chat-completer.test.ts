import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatApi } from '../../../scripts/emulators/chat-api';
import { startChatApi } from '../../../scripts/emulators/chat-api';
import { createChatCompleter } from '../../../src/chat/chat-completer';
import { ChatFailure } from '../../../src/chat/chat-failure';
import { captureLogger } from '../../helpers/capture-logger';

const KEY = 'sk-test-key-abcdef';
let api: ChatApi;

beforeAll(async () => {
  api = await startChatApi({ apiKey: KEY });
});
afterAll(() => api.close());

function completer(timeoutMs = 5000, apiKey = KEY) {
  return createChatCompleter({
    apiKey,
    baseURL: api.baseUrl,
    model: 'test-model',
    timeoutMs,
    clock: Date.now,
    minRetryBudgetMs: 100,
    sleep: () => Promise.resolve(),
  });
}

async function failureOf(promise: Promise<unknown>): Promise<ChatFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChatFailure);
  return error as ChatFailure;
}

describe('createChatCompleter', () => {
  it('sends the model and messages and returns the answer with usage', async () => {
    const { log } = captureLogger();
    const before = api.requests.length;
    const answer = await completer().complete([{ role: 'user', content: '你好' }], log);
    expect(answer.text).toBe('回答（上下文 0 轮）：你好');
    expect(answer.usage?.promptTokens).toBe(10);
    expect(api.requests[before]).toMatchObject({
      model: 'test-model',
      messages: [{ role: 'user', content: '你好' }],
    });
  });

  it('retries once on 429 and succeeds', async () => {
    const { log } = captureLogger();
    const before = api.requests.length;
    api.script({ kind: 'error', status: 429, code: 'rate_limit_exceeded', headers: { 'retry-after': '1' } });
    const answer = await completer().complete([{ role: 'user', content: 'again' }], log);
    expect(answer.text).toContain('again');
    expect(api.requests.length - before).toBe(2);
  });

  it('gives up after the second 5xx with kind unavailable', async () => {
    const { log } = captureLogger();
    const before = api.requests.length;
    api.script({ kind: 'error', status: 500 }, { kind: 'error', status: 502 });
    const failure = await failureOf(completer().complete([{ role: 'user', content: 'x' }], log));
    expect(failure.kind).toBe('unavailable');
    expect(failure.status).toBe(502);
    expect(api.requests.length - before).toBe(2);
  });

  it('times out within the budget and does not retry a timeout', async () => {
    const { log } = captureLogger();
    const before = api.requests.length;
    api.script({ kind: 'hang' });
    const failure = await failureOf(completer(300).complete([{ role: 'user', content: 'slow' }], log));
    expect(failure.kind).toBe('timeout');
    expect(api.requests.length - before).toBe(1);
  });

  it('classifies a context-length error', async () => {
    const { log } = captureLogger();
    api.script({
      kind: 'error',
      status: 400,
      code: 'context_length_exceeded',
      message: "This model's maximum context length is 4096 tokens",
    });
    expect((await failureOf(completer().complete([{ role: 'user', content: 'long' }], log))).kind).toBe(
      'context_too_long',
    );
  });

  it('classifies a wrong key as auth, without the key in the message or logs', async () => {
    const capture = captureLogger();
    const failure = await failureOf(
      completer(5000, 'sk-wrong-key').complete([{ role: 'user', content: 'x' }], capture.log),
    );
    expect(failure.kind).toBe('auth');
    expect(failure.message).not.toContain('sk-wrong-key');
    expect(capture.raw()).not.toContain('sk-wrong-key');
  });

  it('treats an empty answer as a failure', async () => {
    const { log } = captureLogger();
    api.script({ kind: 'answer', text: '' });
    expect((await failureOf(completer().complete([{ role: 'user', content: 'x' }], log))).kind).toBe('empty');
  });

  it('strips a leading <think> block', async () => {
    const { log } = captureLogger();
    api.script({ kind: 'answer', text: '<think>内部推理</think>\n\n最终答案' });
    expect((await completer().complete([{ role: 'user', content: 'x' }], log)).text).toBe('最终答案');
  });

  it('connection refused is unavailable', async () => {
    const { log } = captureLogger();
    const closed = createChatCompleter({
      apiKey: KEY,
      baseURL: 'http://127.0.0.1:9/v1',
      model: 'm',
      timeoutMs: 2000,
      clock: Date.now,
      minRetryBudgetMs: 100_000,
    });
    expect((await failureOf(closed.complete([{ role: 'user', content: 'x' }], log))).kind).toBe(
      'unavailable',
    );
  });
});
