import { describe, expect, it } from 'vitest';
import { signDingTalk, verifyDingTalkSignature } from '../../../src/dingtalk/signature';

const SECRET = 'test-app-secret';
const TS = '1700000000000';
const NOW = 1_700_000_000_000;

describe('signDingTalk', () => {
  it.each([
    ['test-app-secret', '1700000000000', 'dhJB8TJ0cHPEbwpUauugV2Wz8v4qlWoO+C42nEhJW+c='],
    ['client-secret-for-test', '1684493546276', 'nwBJQmaBLv9+5/sSS/66jcFc1/kGY5wo38L88LOGfRU='],
    ['this is secret', '1577262236757', 'hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM='],
  ])('matches the known-answer vector for %s', (secret, timestamp, expected) => {
    expect(signDingTalk(timestamp, secret)).toBe(expected);
  });
});

describe('verifyDingTalkSignature', () => {
  const valid = signDingTalk(TS, SECRET);

  it('accepts the right signature and names the matching secret', () => {
    expect(verifyDingTalkSignature({ timestamp: TS, sign: valid, secrets: [SECRET], nowMs: NOW })).toEqual({
      ok: true,
      secretIndex: 0,
    });
  });

  it('accepts any of several secrets', () => {
    expect(
      verifyDingTalkSignature({ timestamp: TS, sign: valid, secrets: ['other-robot', SECRET], nowMs: NOW }),
    ).toEqual({ ok: true, secretIndex: 1 });
  });

  it.each([
    [-3_600_000, true],
    [3_600_000, true],
    [-3_600_001, false],
    [3_600_001, false],
    [0, true],
  ])('clock offset %i ms → accepted %s', (offset, accepted) => {
    const verdict = verifyDingTalkSignature({
      timestamp: TS,
      sign: valid,
      secrets: [SECRET],
      nowMs: NOW + offset,
    });
    expect(verdict.ok).toBe(accepted);
    if (!accepted) expect(verdict).toEqual({ ok: false, reason: 'stale_timestamp' });
  });

  it.each([
    ['missing timestamp', undefined, valid, 'missing_headers'],
    ['missing sign', TS, undefined, 'missing_headers'],
    ['empty sign', TS, '', 'missing_headers'],
    ['non-numeric timestamp', 'abc', valid, 'malformed_timestamp'],
    ['timestamp in seconds with a dot', '1700000000.5', valid, 'malformed_timestamp'],
    ['joined repeated headers', `${TS},${TS}`, valid, 'malformed_timestamp'],
    ['sign of the wrong length', TS, valid.slice(0, 20), 'malformed_sign'],
    ['url-encoded sign', TS, encodeURIComponent(valid), 'malformed_sign'],
    ['sign with a flipped character', TS, `A${valid.slice(1)}`, 'sign_mismatch'],
    ['sign for another secret', TS, signDingTalk(TS, 'wrong-secret'), 'sign_mismatch'],
    ['sign for another timestamp', TS, signDingTalk('1700000000001', SECRET), 'sign_mismatch'],
  ])('rejects %s', (_name, timestamp, sign, reason) => {
    expect(verifyDingTalkSignature({ timestamp, sign, secrets: [SECRET], nowMs: NOW })).toEqual({
      ok: false,
      reason,
    });
  });

  it('rejects everything when no secret is configured', () => {
    expect(verifyDingTalkSignature({ timestamp: TS, sign: valid, secrets: [], nowMs: NOW }).ok).toBe(false);
  });
});
