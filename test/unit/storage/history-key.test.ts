import { describe, expect, it } from 'vitest';
import { historyKey } from '../../../src/storage/history-key';

describe('historyKey', () => {
  it('is 32 lowercase hex chars for hostile input', () => {
    for (const parts of [
      ['cid+/=abc==', '$:LWCP_v1:$abc+/='],
      ['../../etc', '..'],
      ['a/b\\c', '\u0000'],
      ['', ''],
      [],
    ]) {
      expect(historyKey(parts)).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it('is the first 32 hex chars of sha256 over the parts joined by a newline', () => {
    // sha256("conv\nstaff") computed independently with `printf 'conv\nstaff' | sha256sum`.
    expect(historyKey(['conv', 'staff'])).toBe('6276756e38d67f9d2f8c650ff85e5cc0');
  });

  it('separates conversations and senders', () => {
    expect(historyKey(['c1', 's1'])).not.toBe(historyKey(['c1', 's2']));
    expect(historyKey(['c1', 's1'])).not.toBe(historyKey(['c2', 's1']));
    expect(historyKey(['c1', 's1'])).toBe(historyKey(['c1', 's1']));
  });
});
