import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FcInvokeApi } from '../../scripts/emulators/fc-invoke-api';
import { startFcInvokeApi } from '../../scripts/emulators/fc-invoke-api';
import { signDingTalk } from '../../src/dingtalk/signature';
import { httpEvent, loadCallback } from '../helpers/callbacks';
import { ROLE } from '../helpers/connector';
import { loadBundleWith } from '../helpers/load-bundle';

const SECRET = 'fuzz-app-secret';
const ALLOWED = 'https://oapi.dingtalk.com';
type Handler = (event: Buffer, context: unknown) => Promise<{ statusCode: number; body: string }>;

let fcApi: FcInvokeApi;
let handler: Handler;

beforeAll(async () => {
  fcApi = await startFcInvokeApi({ accountId: '1234567890123456', credentials: ROLE });
  // The built bundle reads its environment at load, as on FC; load a private copy with the fuzz configuration.
  handler = loadBundleWith<Handler>('conversation', {
    DINGTALK_APP_SECRET: `other-robot-secret,${SECRET}`,
    REPLY_ENDPOINT: fcApi.url,
    LOG_LEVEL: 'silent',
  });
});
afterAll(() => fcApi.close());

const context = {
  requestId: 'fuzz',
  credentials: ROLE,
  function: { name: 'c' },
  region: 'cn-hangzhou',
  accountId: '1',
};

/** Any casing of a header name: FC canonicalises, proxies may not. */
const headerName = (name: string) =>
  fc
    .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
    .map((upper) => [...name].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch)).join(''));

const validMessage = fc
  .record({
    text: fc.string({ maxLength: 200 }),
    group: fc.boolean(),
    webhookOrigin: fc.oneof(
      { arbitrary: fc.constant(ALLOWED), weight: 4 },
      fc.constantFrom('https://evil.example', 'http://oapi.dingtalk.com', 'https://oapi.dingtalk.com:444'),
    ),
    msgtype: fc.constantFrom(
      'text',
      'text',
      'text',
      'picture',
      'richText',
      'audio',
      'file',
      'unknownMsgType',
    ),
    drop: fc.oneof(
      { arbitrary: fc.constant([]), weight: 4 },
      fc.subarray([
        'msgId',
        'conversationId',
        'senderId',
        'sessionWebhook',
        'conversationType',
        'text',
        'createAt',
      ]),
    ),
    id: fc.uuid(),
  })
  .map(({ text, group, webhookOrigin, msgtype, drop, id }) => {
    const body: Record<string, unknown> = loadCallback('dm-text', {
      msgId: `msg${id}+/==`,
      msgtype,
      conversationType: group ? '2' : '1',
      text: { content: text },
      sessionWebhook: `${webhookOrigin}/robot/sendBySession?session=${id.replace(/-/g, '')}`,
      createAt: Date.now(),
      sessionWebhookExpiredTime: Date.now() + 5_400_000,
    });
    for (const key of drop) delete body[key];
    return JSON.stringify(body);
  });

const anyBody = fc.oneof(
  { arbitrary: validMessage, weight: 8 },
  fc.json(),
  fc.string(),
  fc.constant(''),
  fc.constant('{"msgId":'),
  fc.constant('x'.repeat(200_000)),
  fc.jsonValue().map((value) => JSON.stringify({ ...loadCallback('dm-text'), text: value })),
);

const signature = fc.oneof(
  { arbitrary: fc.constant({ kind: 'valid' as const, offsetMs: 0 }), weight: 6 },
  fc.integer({ min: -7_200_000, max: 7_200_000 }).map((offsetMs) => ({ kind: 'valid' as const, offsetMs })),
  fc.constant({ kind: 'wrong-secret' as const, offsetMs: 0 }),
  fc.record({ kind: fc.constant('random' as const), timestamp: fc.string(), sign: fc.string() }),
  fc.constant({ kind: 'missing' as const }),
);

describe('conversation handler under generated input', () => {
  it('never answers 5xx and never invokes without a valid signature, valid body and allowed webhook', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyBody,
        signature,
        headerName('timestamp'),
        headerName('sign'),
        fc.boolean(),
        fc.constantFrom('POST', 'POST', 'POST', 'POST', 'POST', 'GET', 'PUT'),
        fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
        async (body, sig, tsName, signName, base64, method, junkHeaders) => {
          const now = Date.now();
          const headers: Record<string, string> = { ...junkHeaders, 'Content-Type': 'application/json' };
          let validSignature = false;
          if (sig.kind === 'valid' || sig.kind === 'wrong-secret') {
            const timestamp = String(now + sig.offsetMs);
            headers[tsName] = timestamp;
            headers[signName] = signDingTalk(timestamp, sig.kind === 'valid' ? SECRET : 'wrong');
            // Generous by a second: the handler reads the clock a little later than this test does.
            validSignature = sig.kind === 'valid' && Math.abs(sig.offsetMs) <= 3_601_000;
          } else if (sig.kind === 'random') {
            headers[tsName] = sig.timestamp;
            headers[signName] = sig.sign;
          }
          const before = fcApi.invocations.length + fcApi.rejections.length;
          const response = await handler(httpEvent(body, headers, { base64, method }), context);
          const invoked = fcApi.invocations.length + fcApi.rejections.length > before;

          expect(response.statusCode).toBeLessThan(500);
          expect([200, 400, 401, 405]).toContain(response.statusCode);
          if (invoked) {
            expect(validSignature).toBe(true);
            expect(method).toBe('POST');
            const parsed = JSON.parse(body) as { sessionWebhook?: string };
            expect(new URL(String(parsed.sessionWebhook)).origin).toBe(ALLOWED);
          }
          expect(response.statusCode === 200).toBe(invoked);
        },
      ),
      { numRuns: 3000 },
    );
    // The generator must have reached the interesting paths, or the property proves little.
    expect(fcApi.invocations.length).toBeGreaterThan(50);
  });
});
