import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asyncTaskId } from '../../../src/platform/async-task-id';

const FC_TASK_ID = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;
const FIXTURES = '/work/shared/fixtures/dingtalk-callbacks';

function fixtureMsgIds(): string[] {
  return readdirSync(FIXTURES)
    .filter((name) => name.endsWith('.json'))
    .map((name) => (JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as { msgId: string }).msgId);
}

describe('asyncTaskId', () => {
  const msgIds = fixtureMsgIds();

  it('has real DingTalk msgIds with characters FC task ids forbid', () => {
    expect(msgIds.length).toBeGreaterThan(0);
    expect(msgIds.some((id) => /[+/=]/.test(id))).toBe(true);
    expect(msgIds.every((id) => !FC_TASK_ID.test(id))).toBe(true);
  });

  it('maps every real msgId to a valid FC task id: m_ + 40 hex chars', () => {
    for (const msgId of msgIds) {
      const taskId = asyncTaskId(msgId);
      expect(taskId).toMatch(FC_TASK_ID);
      expect(taskId).toMatch(/^m_[0-9a-f]{40}$/);
    }
  });

  it('is the truncated SHA-256 of the msgId (known answer)', () => {
    // `printf %s 'msgnB1+DzfESSG9P2Vk6t9/FA==' | sha256sum`, computed outside this code base.
    const sha256 = 'ecc03f1e583cee0dafce080cf198314f70f44944a19f75125ae1f257647952af';
    expect(asyncTaskId('msgnB1+DzfESSG9P2Vk6t9/FA==')).toBe(`m_${sha256.slice(0, 40)}`);
  });

  it('is deterministic and distinct per msgId', () => {
    expect(msgIds.map(asyncTaskId)).toEqual(msgIds.map(asyncTaskId));
    expect(new Set(msgIds.map(asyncTaskId)).size).toBe(new Set(msgIds).size);
    expect(asyncTaskId('msgA+/=')).not.toBe(asyncTaskId('msgA+/'));
  });
});
