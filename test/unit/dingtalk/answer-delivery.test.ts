import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DingTalkApi,
  startDingTalkApi,
  type WebhookFailure,
} from '../../../scripts/emulators/dingtalk-api';
import { createAnswerDelivery, type DingTalkApp } from '../../../src/dingtalk/answer-delivery';
import type { DeliveryTarget } from '../../../src/ports';
import { captureLogger } from '../../helpers/capture-logger';
import { directChatTarget } from '../../helpers/delivery-target';

const APP: DingTalkApp = {
  appKey: 'dingabcdefghijk12345',
  appSecret: 'app-secret-must-never-be-logged-7f3a',
};
const NOW = 1_718_000_000_000;
const STAFF_ID = '0426581234567890';
const FENCE = /^\s*(`{3,}|~{3,})/;

let api: DingTalkApi | undefined;
let now = NOW;
const clock = () => now;

afterEach(async () => {
  await api?.close();
  api = undefined;
  now = NOW;
});

async function setUp(options: { apps?: DingTalkApp[]; requestTimeoutMs?: number } = {}) {
  const apps = options.apps ?? [APP];
  api = await startDingTalkApi({ apps: [APP], clock });
  const delivery = createAnswerDelivery({
    apps,
    apiBase: api.url,
    clock,
    retryDelaysMs: [5, 10],
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
  });
  return { api, delivery, logger: captureLogger('info') };
}

function dmTarget(stand: DingTalkApi, overrides: Partial<DeliveryTarget> = {}): DeliveryTarget {
  return directChatTarget(
    {
      robotCode: APP.appKey,
      senderStaffId: STAFF_ID,
      sessionWebhook: stand.newSessionWebhook(),
      expiresAt: NOW + 5_400_000,
    },
    overrides,
  );
}

function groupTarget(stand: DingTalkApi, overrides: Partial<DeliveryTarget> = {}): DeliveryTarget {
  return dmTarget(stand, {
    conversationType: 'group',
    conversationId: 'cidAsXSBLnQ8rT2vY6wZ1kP4mN9bV3cX7hJ5gF0dS2aE=',
    ...overrides,
  });
}

/** An answer of `sections` sections of ~3 000 characters each: two never fit in one part. */
function longAnswer(sections: number): string {
  return Array.from(
    { length: sections },
    (_, i) => `## 第${i}节 PART-${i}\n\n${'这是一段很长的中文内容。'.repeat(250)}`,
  ).join('\n\n');
}

/** Everything but whitespace and fence lines: what must arrive, in order, exactly once. */
function contentOf(text: string): string {
  return text
    .split('\n')
    .filter((line) => !FENCE.test(line))
    .join('')
    .replace(/\s+/g, '');
}

function webhookCalls(stand: DingTalkApi) {
  return stand.calls.filter((call) => call.path === '/robot/sendBySession');
}

describe('answer delivery through the session webhook', () => {
  it('posts a short DM answer as one markdown message without any @', async () => {
    const { api, delivery, logger } = await setUp();

    const result = await delivery.deliver(dmTarget(api), '# 发布计划\n\n明天**上线**。', logger.log);

    expect(result).toEqual({ delivered: true, parts: 1, via: ['webhook'] });
    expect(api.posts.map((post) => post.body)).toEqual([
      { msgtype: 'markdown', markdown: { title: '发布计划', text: '# 发布计划\n\n明天**上线**。' } },
    ]);
  });

  it('@-mentions a group sender once: atUserIds and the literal @staffId at the start of the first part', async () => {
    const { api, delivery, logger } = await setUp();

    const result = await delivery.deliver(groupTarget(api), longAnswer(3), logger.log);

    expect(result).toEqual({ delivered: true, parts: 3, via: ['webhook', 'webhook', 'webhook'] });
    const [first, ...rest] = api.posts.map((post) => post.body);
    expect(first.at).toEqual({ atUserIds: [STAFF_ID] });
    expect(first.markdown.text.startsWith(`@${STAFF_ID}\n\n## 第0节`)).toBe(true);
    expect(first.markdown.title).toBe('第0节 PART-0');
    for (const body of rest) {
      expect(body.at).toBeUndefined();
      expect(body.markdown.text).not.toContain(`@${STAFF_ID}`);
    }
  });

  it('names a group sender without staffId by nick, as plain text without atUserIds', async () => {
    const { api, delivery, logger } = await setUp();

    await delivery.deliver(
      groupTarget(api, { senderStaffId: undefined, senderNick: '外部用户' }),
      '好的',
      logger.log,
    );

    expect(api.posts.map((post) => post.body)).toEqual([
      { msgtype: 'markdown', markdown: { title: '好的', text: '@外部用户\n\n好的' } },
    ]);
  });

  it('splits a long answer with code, CJK and an enormous line into in-order posts under both limits', async () => {
    const { api, delivery, logger } = await setUp();
    const code = Array.from({ length: 250 }, (_, i) => `    result.append("第${i}行")  # 注释 ${i}`).join(
      '\n',
    );
    const answer = [
      longAnswer(2),
      `\`\`\`python\ndef main():\n${code}\n\`\`\``,
      'z'.repeat(30_000),
      `结尾。${'😀'.repeat(2000)}`,
      // Control characters take 6 bytes each once JSON-escaped: bytes become the binding limit here.
      '\u0007'.repeat(6000),
    ].join('\n\n');

    const result = await delivery.deliver(groupTarget(api), answer, logger.log);

    expect(result.delivered).toBe(true);
    expect(result.parts).toBe(api.posts.length);
    expect(api.posts.length).toBeGreaterThan(15);
    const texts = api.posts.map((post) => post.body.markdown.text as string);
    for (const post of api.posts) {
      expect(post.bytes).toBeLessThanOrEqual(20_000);
      expect(post.body.markdown.text.length).toBeLessThanOrEqual(3500);
      expect(post.body.markdown.text.split('\n').filter((line: string) => FENCE.test(line)).length % 2).toBe(
        0,
      );
    }
    expect(texts.some((text) => text.startsWith('```python\n'))).toBe(true);
    expect(contentOf(texts.join('\n').replace(`@${STAFF_ID}`, ''))).toBe(contentOf(answer));
  });

  it.each<WebhookFailure>(['http500', 'http429', 'errcode130101', 'errcode302033', 'reset'])(
    'retries a transient failure (%s) with back-off and posts exactly once',
    async (kind) => {
      const { api, delivery, logger } = await setUp();
      api.failWebhook(kind, 2);

      const result = await delivery.deliver(dmTarget(api), '你好', logger.log);

      expect(result).toEqual({ delivered: true, parts: 1, via: ['webhook'] });
      expect(webhookCalls(api)).toHaveLength(3);
      expect(api.posts).toHaveLength(1);
    },
  );

  it('posts parts strictly in order, each after the previous one succeeded', async () => {
    const { api, delivery, logger } = await setUp();
    api.failWebhook('http500', 1);

    const result = await delivery.deliver(dmTarget(api), longAnswer(3), logger.log);

    expect(result.via).toEqual(['webhook', 'webhook', 'webhook']);
    expect(webhookCalls(api).map((call) => call.status)).toEqual([500, 200, 200, 200]);
    expect(api.posts.map((post) => /PART-(\d)/.exec(post.body.markdown.text)?.[1])).toEqual(['0', '1', '2']);
  });

  it('reports a webhook that stays down after the back-off when there is no app', async () => {
    const { api, delivery, logger } = await setUp({ apps: [] });
    api.failWebhook('http500', 3);

    const result = await delivery.deliver(dmTarget(api), '你好', logger.log);

    expect(result).toEqual({ delivered: false, parts: 1, via: [], reason: 'webhook_http_500' });
    expect(webhookCalls(api)).toHaveLength(3);
  });

  it('reports an unreachable webhook (connection refused) without a URL in the reason', async () => {
    const { api, delivery, logger } = await setUp({ apps: [] });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));

    const target = dmTarget(api, {
      sessionWebhook: `http://127.0.0.1:${port}/robot/sendBySession?session=ab12`,
    });
    const result = await delivery.deliver(target, '你好', logger.log);

    expect(result).toEqual({ delivered: false, parts: 1, via: [], reason: 'webhook_unreachable' });
    expect(logger.raw()).not.toContain(String(port));
  });

  it('does not retry after a timeout, nor fall back: the message may already be delivered', async () => {
    const { api, delivery, logger } = await setUp({ requestTimeoutMs: 300 });
    api.failWebhook('hang', 1);

    const result = await delivery.deliver(dmTarget(api), '你好', logger.log);

    expect(result).toEqual({ delivered: false, parts: 1, via: [], reason: 'webhook_timeout' });
    expect(webhookCalls(api)).toHaveLength(1);
    expect(api.openApiMessages).toHaveLength(0);
    expect(api.tokensIssued).toBe(0);
  });

  it('treats other errcodes as final for the webhook: no retry, reported without an app', async () => {
    const { api, delivery, logger } = await setUp({ apps: [] });
    api.failWebhook({ errcode: 460101, errmsg: 'message too long, exceed 20000 bytes' }, 5);

    const result = await delivery.deliver(dmTarget(api), '你好', logger.log);

    expect(result).toEqual({ delivered: false, parts: 1, via: [], reason: 'webhook_errcode_460101' });
    expect(webhookCalls(api)).toHaveLength(1);
  });
});

describe('answer delivery through the OpenAPI fallback', () => {
  it('never tries an expired webhook and sends the DM through batchSend with a JSON-string msgParam', async () => {
    const { api, delivery, logger } = await setUp();
    now = NOW + 5_400_001;

    const result = await delivery.deliver(dmTarget(api), '# 标题\n\n正文', logger.log);

    expect(result).toEqual({ delivered: true, parts: 1, via: ['openapi'] });
    expect(webhookCalls(api)).toHaveLength(0);
    const [message] = api.openApiMessages;
    expect(message?.kind).toBe('oto');
    expect(message?.body).toMatchObject({
      robotCode: APP.appKey,
      userIds: [STAFF_ID],
      msgKey: 'sampleMarkdown',
    });
    expect(typeof message?.body.msgParam).toBe('string');
    expect(message?.msgParam).toEqual({ title: '标题', text: '# 标题\n\n正文' });
  });

  it('sends an expired group answer to the conversation without any @', async () => {
    const { api, delivery, logger } = await setUp();
    now = NOW + 6_000_000;
    const target = groupTarget(api);

    const result = await delivery.deliver(target, '明天发布', logger.log);

    expect(result.via).toEqual(['openapi']);
    expect(api.openApiMessages.map((message) => [message.kind, message.body.openConversationId])).toEqual([
      ['group', target.conversationId],
    ]);
    expect(api.openApiMessages[0]?.msgParam).toEqual({ title: '明天发布', text: '明天发布' });
  });

  it('continues through OpenAPI when the webhook expires mid-answer: nothing lost, nothing doubled', async () => {
    const { api, delivery, logger } = await setUp();
    const target = groupTarget(api);
    api.expireSession(target.sessionWebhook, { afterPosts: 1 });
    const answer = longAnswer(3);

    const result = await delivery.deliver(target, answer, logger.log);

    expect(result).toEqual({ delivered: true, parts: 3, via: ['webhook', 'openapi', 'openapi'] });
    expect(webhookCalls(api).map((call) => call.status)).toEqual([200, 200]);
    const texts = [
      ...api.posts.map((post) => post.body.markdown.text as string),
      ...api.openApiMessages.map((message) => message.msgParam.text as string),
    ];
    for (let i = 0; i < 3; i++) expect(texts.filter((text) => text.includes(`PART-${i}`))).toHaveLength(1);
    expect(contentOf(texts.join('\n').replace(`@${STAFF_ID}`, ''))).toBe(contentOf(answer));
  });

  it('falls back when the webhook stays down, and keeps using OpenAPI for the remaining parts', async () => {
    const { api, delivery, logger } = await setUp();
    api.failWebhook('reset', 3);

    const result = await delivery.deliver(dmTarget(api), longAnswer(2), logger.log);

    expect(result).toEqual({ delivered: true, parts: 2, via: ['openapi', 'openapi'] });
    expect(webhookCalls(api)).toHaveLength(3);
    expect(api.openApiMessages.map((message) => /PART-(\d)/.exec(message.msgParam.text)?.[1])).toEqual([
      '0',
      '1',
    ]);
  });

  it('falls back after a final webhook errcode', async () => {
    const { api, delivery, logger } = await setUp();
    api.failWebhook({ errcode: 400013, errmsg: '群已被解散' }, 1);

    const result = await delivery.deliver(dmTarget(api), '你好', logger.log);

    expect(result).toEqual({ delivered: true, parts: 1, via: ['openapi'] });
    expect(webhookCalls(api)).toHaveLength(1);
  });

  it('still tries an expired webhook once (no retries) when no app is configured, then reports it', async () => {
    const { api, delivery, logger } = await setUp({ apps: [] });
    now = NOW + 5_400_001;
    const target = dmTarget(api);
    api.expireSession(target.sessionWebhook);

    const result = await delivery.deliver(target, '你好', logger.log);

    expect(result).toEqual({ delivered: false, parts: 1, via: [], reason: 'no_openapi_app' });
    expect(webhookCalls(api)).toHaveLength(1);
  });

  it('does not retry an expired webhook without an app even on a transient failure', async () => {
    const { api, delivery, logger } = await setUp({ apps: [] });
    now = NOW + 5_400_001;
    api.failWebhook('http500', 3);

    const result = await delivery.deliver(dmTarget(api), '你好', logger.log);

    expect(result).toEqual({ delivered: false, parts: 1, via: [], reason: 'webhook_http_500' });
    expect(webhookCalls(api)).toHaveLength(1);
  });

  it('delivers through an expired webhook that still works when there is no other way', async () => {
    const { api, delivery, logger } = await setUp({ apps: [] });
    now = NOW + 5_400_001;

    const result = await delivery.deliver(dmTarget(api), '你好', logger.log);

    expect(result).toEqual({ delivered: true, parts: 1, via: ['webhook'] });
  });

  it('cannot send a DM through OpenAPI without the sender staffId', async () => {
    const { api, delivery, logger } = await setUp();
    now = NOW + 5_400_001;
    const target = dmTarget(api, { senderStaffId: undefined });
    api.expireSession(target.sessionWebhook);

    const result = await delivery.deliver(target, '你好', logger.log);

    expect(result).toEqual({ delivered: false, parts: 1, via: [], reason: 'no_sender_staff_id' });
    expect(webhookCalls(api)).toHaveLength(1);
    expect(api.tokensIssued).toBe(0);
  });

  it('uses only the app whose appKey is the target robotCode', async () => {
    const { api, delivery, logger } = await setUp();
    now = NOW + 5_400_001;
    const target = dmTarget(api, { robotCode: 'dingotherrobot000000' });
    api.expireSession(target.sessionWebhook);

    const result = await delivery.deliver(target, '你好', logger.log);

    expect(result.reason).toBe('no_openapi_app');
    expect(api.tokensIssued).toBe(0);
  });

  it('caches the access token across answers and refreshes it 5 minutes before expireIn', async () => {
    const { api, delivery, logger } = await setUp();
    now = NOW + 5_400_001;
    const issuedAt = now;

    await delivery.deliver(dmTarget(api), '一', logger.log);
    await delivery.deliver(groupTarget(api), '二', logger.log);
    expect(api.tokensIssued).toBe(1);

    now = issuedAt + (7200 - 300) * 1000 - 1;
    await delivery.deliver(dmTarget(api), '三', logger.log);
    expect(api.tokensIssued).toBe(1);

    now = issuedAt + (7200 - 300) * 1000;
    await delivery.deliver(dmTarget(api), '四', logger.log);
    expect(api.tokensIssued).toBe(2);
    expect(api.openApiMessages).toHaveLength(4);
  });

  it('fetches a new token once when the cached one is refused with 401', async () => {
    const { api, delivery, logger } = await setUp();
    now = NOW + 5_400_001;
    await delivery.deliver(dmTarget(api), '一', logger.log);
    api.revokeTokens();

    const result = await delivery.deliver(dmTarget(api), '二', logger.log);

    expect(result.delivered).toBe(true);
    expect(api.tokensIssued).toBe(2);
    const sends = api.calls.filter((call) => call.path === '/v1.0/robot/oToMessages/batchSend');
    expect(sends.map((call) => call.status)).toEqual([200, 401, 200]);
  });

  it('reports a missing permission as openapi_403 and retries a 500', async () => {
    const { api, delivery, logger } = await setUp();
    now = NOW + 5_400_001;
    api.failOpenApi(500, 1);
    api.failOpenApi(403, 1);

    const result = await delivery.deliver(dmTarget(api), '你好', logger.log);

    expect(result).toEqual({ delivered: false, parts: 1, via: [], reason: 'openapi_403' });
    const sends = api.calls.filter((call) => call.path === '/v1.0/robot/oToMessages/batchSend');
    expect(sends.map((call) => call.status)).toEqual([500, 403]);
    expect(logger.raw()).toContain('Forbidden.AccessDenied.AccessTokenPermissionDenied');
  });

  it('reports a wrong AppSecret as openapi_token_401', async () => {
    const { api, delivery, logger } = await setUp({
      apps: [{ appKey: APP.appKey, appSecret: 'wrong-secret' }],
    });
    now = NOW + 5_400_001;

    const result = await delivery.deliver(dmTarget(api), '你好', logger.log);

    expect(result).toEqual({ delivered: false, parts: 1, via: [], reason: 'openapi_token_401' });
    expect(logger.raw()).not.toContain('wrong-secret');
  });
});

describe('answer delivery logging', () => {
  it('logs one info line per answer and never the webhook URL, session, tokens, secret or text', async () => {
    const { api, delivery, logger } = await setUp();
    const target = groupTarget(api);
    const session = new URL(target.sessionWebhook).searchParams.get('session') ?? '';
    api.failWebhook('http500', 1);
    api.expireSession(target.sessionWebhook, { afterPosts: 1 });
    api.failOpenApi(500, 1);

    const result = await delivery.deliver(target, longAnswer(3), logger.log);

    expect(result.via).toEqual(['webhook', 'openapi', 'openapi']);
    const delivered = logger.lines().filter((line) => line.msg === 'answer delivered');
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ level: 'info', parts: 3, via: ['webhook', 'openapi', 'openapi'] });
    expect(typeof delivered[0]?.durationMs).toBe('number');
    expect(logger.lines().filter((line) => line.level === 'warn').length).toBeGreaterThanOrEqual(3);
    const raw = logger.raw();
    for (const secret of [
      session,
      'sendBySession',
      api.url,
      '127.0.0.1',
      APP.appSecret,
      '这是一段很长的中文内容',
      'PART-',
    ]) {
      expect(raw).not.toContain(secret);
    }
    // Sessions and access tokens are both 32 hex characters.
    expect(raw).not.toMatch(/[0-9a-f]{32}/);
  });

  it('logs the text only at debug level', async () => {
    const { api, delivery } = await setUp();
    const debug = captureLogger('debug');

    await delivery.deliver(dmTarget(api), '调试可见的文本', debug.log);

    expect(
      debug
        .lines()
        .filter((line) => line.level === 'debug')
        .map((line) => line.text),
    ).toEqual(['调试可见的文本']);
  });

  it('logs an undelivered answer at error level with its reason', async () => {
    const { api, delivery, logger } = await setUp({ apps: [] });
    api.failWebhook({ errcode: 460101, errmsg: 'message too long' }, 1);

    await delivery.deliver(dmTarget(api), '你好', logger.log);

    expect(logger.lines().filter((line) => line.level === 'error')).toMatchObject([
      { msg: 'answer not delivered', reason: 'webhook_errcode_460101', parts: 1 },
    ]);
  });
});
