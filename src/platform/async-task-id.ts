import { createHash } from 'node:crypto';

/** FC task id from a DingTalk msgId (which contains + / =): 'm_' + sha256(msgId) hex, truncated to 40 hex chars. Matches ^[A-Za-z_][A-Za-z0-9_-]{0,127}$. */
export function asyncTaskId(msgId: string): string {
  // 160 bits keeps collisions out of reach while the id stays short in FC's task list.
  return `m_${createHash('sha256').update(msgId, 'utf8').digest('hex').slice(0, 40)}`;
}
