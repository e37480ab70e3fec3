import { describe, expect, it } from 'vitest';
import { estimateRequestTokens, estimateTokens } from '../../../src/chat/estimate-tokens';
import { fitContext } from '../../../src/chat/fit-context';
import type { Turn } from '../../../src/ports';

const turn = (i: number, size: number): Turn => ({
  msgId: `m${i}`,
  question: `问${i}${'字'.repeat(size)}`,
  answer: `答${i}`,
  at: i,
});

describe('estimateTokens', () => {
  it('counts a CJK character as at least one token', () => {
    expect(estimateTokens('钉钉机器人')).toBe(5);
    expect(estimateTokens('，。！')).toBe(3);
  });

  it('counts other text at one token per three characters, rounded up', () => {
    expect(estimateTokens('hello world')).toBe(4);
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('a')).toBe(1);
  });

  it('adds framing per message', () => {
    expect(estimateRequestTokens([{ role: 'user', content: '你好' }])).toBe(3 + 4 + 2);
  });
});

describe('fitContext', () => {
  it('keeps every turn without a limit', () => {
    const turns = [turn(1, 100), turn(2, 100)];
    expect(fitContext(undefined, turns, '问题', undefined).keptTurns).toBe(2);
  });

  it('drops the oldest turns until the request fits, keeping the system prompt and the question', () => {
    const turns = [turn(1, 100), turn(2, 100), turn(3, 100)];
    const { messages, keptTurns } = fitContext('系统提示', turns, '最新问题', 260);
    expect(keptTurns).toBe(2);
    expect(messages[0]).toEqual({ role: 'system', content: '系统提示' });
    expect(messages.at(-1)).toEqual({ role: 'user', content: '最新问题' });
    expect(String(messages[1]?.content).startsWith('问2')).toBe(true);
    expect(estimateRequestTokens(messages)).toBeLessThanOrEqual(260);
  });

  it('sends the question alone when even one turn is too many', () => {
    expect(fitContext(undefined, [turn(1, 1000)], '问题', 300)).toEqual({
      messages: [{ role: 'user', content: '问题' }],
      keptTurns: 0,
    });
  });
});
