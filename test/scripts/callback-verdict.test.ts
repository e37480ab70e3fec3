import { describe, expect, it } from 'vitest';
import type { CallbackOutcome } from '../../scripts/lib/callback-verdict';
import { judgeCallback } from '../../scripts/lib/callback-verdict';

const TARGET = 'https://example.cn-hangzhou.fcapp.run';
const response = (status: number, error?: string): CallbackOutcome => ({
  kind: 'response',
  status,
  body: error ? JSON.stringify({ error }) : '{}',
});

describe('npm run callback verdicts', () => {
  it.each<[string, CallbackOutcome]>([
    ['no answer', { kind: 'timeout' }],
    ['a rejected payload', response(400, 'invalid callback')],
    ['a misconfigured function', response(500, 'connector misconfigured')],
    ['reply unavailable', response(503, 'reply function unavailable')],
    ['a crash', response(502)],
  ])('after %s, say where the logs are: the FC console page that logConfig fills', (_case, outcome) => {
    const { ok, verdict } = judgeCallback(outcome, TARGET);
    expect(ok).toBe(false);
    expect(verdict).toContain("the conversation function's logs (FC console → 函数 → the function → 日志)");
    expect(verdict).not.toMatch(/FC logs|logs in FC/);
  });

  it('names the policy script for a missing invoke permission', () => {
    expect(judgeCallback(response(503, 'reply function unavailable'), TARGET).verdict).toContain(
      'fc:InvokeFunction permission (npm run policy)',
    );
  });
});
