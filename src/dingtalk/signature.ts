import { createHmac, timingSafeEqual } from 'node:crypto';

/** DingTalk rejects callbacks whose timestamp is more than an hour off, in either direction (receive-message doc). */
export const SIGNATURE_TOLERANCE_MS = 3_600_000;

/** base64(HMAC-SHA256(key = appSecret, message = timestamp + "\n" + appSecret)), standard alphabet, no URL-encoding. */
export function signDingTalk(timestamp: string, appSecret: string): string {
  return createHmac('sha256', appSecret).update(`${timestamp}\n${appSecret}`, 'utf8').digest('base64');
}

export type SignatureFailure =
  | 'missing_headers'
  | 'malformed_timestamp'
  | 'stale_timestamp'
  | 'malformed_sign'
  | 'sign_mismatch';

export type SignatureVerdict = { ok: true; secretIndex: number } | { ok: false; reason: SignatureFailure };

/** Inputs of a verification; `nowMs` is injected so the window can be tested on a frozen clock. */
export interface SignatureCheck {
  timestamp: string | undefined;
  sign: string | undefined;
  secrets: readonly string[];
  nowMs: number;
  toleranceMs?: number;
}

const TIMESTAMP_PATTERN = /^\d{1,16}$/;
const SIGN_PATTERN = /^[A-Za-z0-9+/]{43}=$/;

/** Checks the `timestamp`/`sign` headers of a callback against every configured AppSecret, in constant time. */
export function verifyDingTalkSignature(check: SignatureCheck): SignatureVerdict {
  const { timestamp, sign, secrets, nowMs } = check;
  if (!timestamp || !sign) return { ok: false, reason: 'missing_headers' };
  if (!TIMESTAMP_PATTERN.test(timestamp)) return { ok: false, reason: 'malformed_timestamp' };
  if (Math.abs(nowMs - Number(timestamp)) > (check.toleranceMs ?? SIGNATURE_TOLERANCE_MS)) {
    return { ok: false, reason: 'stale_timestamp' };
  }
  // A SHA-256 digest is 32 bytes: exactly 43 base64 characters and one '=' of padding.
  if (!SIGN_PATTERN.test(sign)) return { ok: false, reason: 'malformed_sign' };
  const given = Buffer.from(sign, 'base64');
  let matched = -1;
  // Every secret is compared, without an early exit, so timing does not reveal which robot a secret belongs to.
  secrets.forEach((secret, index) => {
    const expected = Buffer.from(signDingTalk(timestamp, secret), 'base64');
    if (timingSafeEqual(expected, given) && matched === -1) matched = index;
  });
  return matched === -1 ? { ok: false, reason: 'sign_mismatch' } : { ok: true, secretIndex: matched };
}
