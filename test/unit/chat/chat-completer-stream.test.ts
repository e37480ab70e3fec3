import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatApi } from '../../../scripts/emulators/chat-api';
import { startChatApi } from '../../../scripts/emulators/chat-api';
import { createChatCompleter } from '../../../src/chat/chat-completer';
import { ChatFailure } from '../../../src/chat/chat-failure';
import { createThinkFilter } from '../../../src/chat/think-filter';
import { captureLogger } from '../../helpers/capture-logger';

const KEY = 'sk-stream-test';
let api: ChatApi;
beforeAll(async () => {
  api = await startChatApi({ apiKey: KEY });
});
afterAll(() => api.close());

const completer = (timeoutMs = 5000) =>
  createChatCompleter({
    apiKey: KEY,
    baseURL: api.baseUrl,
    model: 'm',
    timeoutMs,
    clock: Date.now,
    minRetryBudgetMs: 100,
    sleep: async () => {},
  });

describe('streaming completions', () => {
  it('reports the growing answer and returns the whole of it with usage', async () => {
    const seen: string[] = [];
    api.script({ kind: 'stream', text: '第一句。第二句。第三句。', tokensPerSecond: 200, charsPerToken: 2 });
    const answer = await completer().complete([{ role: 'user', content: '问' }], captureLogger().log, {
      onText: (text) => seen.push(text),
    });
    expect(answer.text).toBe('第一句。第二句。第三句。');
    expect(answer.usage?.completionTokens).toBe(6);
    expect(seen.length).toBeGreaterThan(3);
    for (let i = 1; i < seen.length; i += 1) expect(seen[i]?.startsWith(seen[i - 1] ?? '')).toBe(true);
    expect(seen.at(-1)).toBe('第一句。第二句。第三句。');
    expect(api.requests.at(-1)?.stream).toBe(true);
  });

  it('never shows reasoning: reasoning_content and a leading <think> block stay out of the answer', async () => {
    const seen: string[] = [];
    api.script({
      kind: 'stream',
      text: '<think>先想一想：用户要什么</think>\n\n答案是 42。',
      reasoning: '推理过程',
      charsPerToken: 3,
    });
    const answer = await completer().complete([{ role: 'user', content: '问' }], captureLogger().log, {
      onText: (text) => seen.push(text),
    });
    expect(answer.text).toBe('答案是 42。');
    expect(seen.join('|')).not.toContain('想一想');
    expect(seen.join('|')).not.toContain('推理过程');
  });

  it('a connection lost mid-answer is a failure and is not retried (part of it is already on screen)', async () => {
    const before = api.requests.length;
    api.script({ kind: 'stream', text: 'x'.repeat(200), failAfterChars: 40, tokensPerSecond: 200 });
    const seen: string[] = [];
    const error = await completer()
      .complete([{ role: 'user', content: '问' }], captureLogger().log, { onText: (t) => seen.push(t) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatFailure);
    expect(seen.length).toBeGreaterThan(0);
    expect(api.requests.length - before).toBe(1);
  });

  it('a stream that outlives the budget ends as a timeout', async () => {
    api.script({ kind: 'stream', text: 'y'.repeat(400), tokensPerSecond: 20 });
    const error = await completer(600)
      .complete([{ role: 'user', content: '问' }], captureLogger().log, { onText: () => {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatFailure);
    expect((error as ChatFailure).kind).toBe('timeout');
  });

  it('a failure before any text is retried like a plain request', async () => {
    const before = api.requests.length;
    api.script({ kind: 'error', status: 503 }, { kind: 'stream', text: '恢复了' });
    const answer = await completer().complete([{ role: 'user', content: '问' }], captureLogger().log, {
      onText: () => {},
    });
    expect(answer.text).toBe('恢复了');
    expect(api.requests.length - before).toBe(2);
  });
});

describe('createThinkFilter', () => {
  it.each([
    [['<thi', 'nk>abc</th', 'ink>答案'], '答案'],
    [['  <think>x</think>', '  hello'], 'hello'],
    [['<th', 'ought>不是思考'], '<thought>不是思考'],
    [['普通', '回答'], '普通回答'],
    [['<think>没有结束'], ''],
  ])('%j → %j', (deltas, visible) => {
    const filter = createThinkFilter();
    for (const delta of deltas) filter.push(delta);
    expect(filter.visible).toBe(visible);
  });

  it('keeps the visible text in a plain field, not a getter (a getter made per call outlives young GCs)', () => {
    const filter = createThinkFilter();
    filter.push('答案');
    expect(Object.getOwnPropertyDescriptor(filter, 'visible')).toMatchObject({
      value: '答案',
      writable: true,
    });
  });
});
