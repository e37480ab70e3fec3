import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAllowedWebhook } from '../../../src/dingtalk/session-webhook-rule';

const ORIGINS = ['https://oapi.dingtalk.com', 'http://127.0.0.1:8080'];

/** One way of writing each part of a webhook URL: the form DingTalk sends, or a trick. */
const part = <T extends string>(good: T, tricks: string[]) =>
  fc.oneof(
    { arbitrary: fc.constant({ text: good, good: true }), weight: 3 },
    fc.constantFrom(...tricks).map((text) => ({ text, good: false })),
  );

const scheme = part('https://', [
  'http://',
  'HTTPS://',
  'blob:https://',
  'ftp://',
  'javascript://',
  ' https://',
  'https:/',
  'https:\\\\',
  'https:///',
  'wss://',
]);
const userinfo = part('', ['user:pw@', 'oapi.dingtalk.com@', ':@', 'a@']);
const host = part('oapi.dingtalk.com', [
  'OAPI.dingtalk.com',
  'oapi.dingtalk.com.',
  'oapi.dingtalk.com.evil.example',
  'evil.example',
  'oapi.dingtаlk.com', // Cyrillic а
  'xn--oapi-dingtalk-com',
  'oapi.dingtalk.com%2eevil.example',
  '169.254.169.254',
  'oapi-dingtalk.com',
  'oapi.dingtalk.co',
]);
const port = part('', [':443', ':444', ':0', ':80', ':', ':8443']);
const path = part('/robot/sendBySession', [
  '/robot/send',
  '/robot/sendBySession/',
  '/robot/sendbysession',
  '/robot/../robot/sendBySession',
  '/robot/./sendBySession',
  '/robot%2FsendBySession',
  '/robot/sendBySession%00',
  '\\robot\\sendBySession',
  '//robot/sendBySession',
  '/robot/sendBySession;x',
  '',
  '/',
]);
const query = part('?session=70f58904dba41ecccc3fc1626e53a130', [
  '?session=abc&access_token=x',
  '?access_token=x',
  '?session=',
  '?session=a b',
  '?session=abc#frag',
  '#?session=abc',
  '?session=abc&session=def',
  '?Session=abc',
  '?session=abc%26access_token%3Dx',
  '?session=abc/../../x',
  '',
  '?',
]);

describe('isAllowedWebhook under generated URLs', () => {
  it('accepts exactly the canonical sendBySession URL on an allowed origin and nothing else', () => {
    fc.assert(
      fc.property(scheme, userinfo, host, port, path, query, (...parts) => {
        const url = parts.map((p) => p.text).join('');
        const expected = parts.every((p) => p.good);
        expect(isAllowedWebhook(url, ORIGINS)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts an allowed http origin with its port, as the playground and tests use', () => {
    expect(isAllowedWebhook('http://127.0.0.1:8080/robot/sendBySession?session=abc', ORIGINS)).toBe(true);
    expect(isAllowedWebhook('http://127.0.0.1:8081/robot/sendBySession?session=abc', ORIGINS)).toBe(false);
    expect(isAllowedWebhook('https://127.0.0.1:8080/robot/sendBySession?session=abc', ORIGINS)).toBe(false);
  });

  it('never throws and never accepts arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        expect(isAllowedWebhook(text, ORIGINS)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['tab inside', 'https://oapi.ding\ttalk.com/robot/sendBySession?session=abc'],
    ['newline inside', 'https://oapi.dingtalk.com/robot/send\nBySession?session=abc'],
    ['leading space', ' https://oapi.dingtalk.com/robot/sendBySession?session=abc'],
    ['trailing space', 'https://oapi.dingtalk.com/robot/sendBySession?session=abc '],
    ['full-width dot', 'https://oapi。dingtalk.com/robot/sendBySession?session=abc'],
  ])('refuses a URL the parser would rewrite: %s', (_name, url) => {
    expect(isAllowedWebhook(url, ORIGINS)).toBe(false);
  });
});
