import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatApi } from '../../scripts/emulators/chat-api';
import { startChatApi } from '../../scripts/emulators/chat-api';
import type { DingTalkApi } from '../../scripts/emulators/dingtalk-api';
import { startDingTalkApi } from '../../scripts/emulators/dingtalk-api';
import { API_KEY, APP_KEY, APP_SECRET, ROLE } from '../helpers/connector';
import { loadBundleWith } from '../helpers/load-bundle';

// The reply function can be invoked by anything holding the invoke permission, and conversation hands it bodies
// that a replayed signature lets an attacker write. Whatever job it gets, it must never throw, never post outside
// the pinned webhook rule, and never answer an admin command outside a direct chat.

const ADMIN = 'fuzz-admin';
const VICTIM = 'fuzz-victim';
const VICTIM_SECRET = '受害者的机密-7730';
const GROUP = 'cidFuzzGroup0000000000000000000000000000+/=';
const DM_ONLY = '只能在与机器人的单聊中使用';
type Handler = (event: Buffer, context: unknown) => Promise<{ outcome: string }>;

let handler: Handler;
let chat: ChatApi;
let dingtalk: DingTalkApi;
let historyDir: string;
let attacker: { server: Server; url: string; hits: string[] };

beforeAll(async () => {
  historyDir = await mkdtemp(join(tmpdir(), 'reply-fuzz-'));
  chat = await startChatApi({ apiKey: API_KEY });
  dingtalk = await startDingTalkApi({ apps: [{ appKey: APP_KEY, appSecret: APP_SECRET }] });
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  attacker = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };

  handler = loadBundleWith<Handler>('reply', {
    OPENAI_API_KEY: API_KEY,
    OPENAI_BASE_URL: chat.baseUrl,
    OPENAI_MODEL: 'fuzz-model',
    HISTORY_DIR: historyDir,
    LLM_TIMEOUT: '5',
    DINGTALK_WEBHOOK_ORIGINS: dingtalk.url,
    DINGTALK_APP_KEY: APP_KEY,
    DINGTALK_APP_SECRET: APP_SECRET,
    DINGTALK_API_BASE: dingtalk.url,
    // This property is about what is posted, and where; answer cards have their own tests.
    DINGTALK_CARD_TEMPLATE_ID: 'off',
    ADMIN_USERS: ADMIN,
    LOG_LEVEL: 'silent',
  });

  // The conversation an attacker would like to read.
  const seeded = await handler(
    Buffer.from(JSON.stringify(job({ text: VICTIM_SECRET, staffId: VICTIM }))),
    context,
  );
  expect(seeded.outcome).toBe('answered');
});
afterAll(async () => {
  await Promise.all([chat.close(), dingtalk.close()]);
  await new Promise((resolve) => attacker.server.close(resolve));
  await rm(historyDir, { recursive: true, force: true });
});

const context = {
  requestId: 'fuzz',
  credentials: ROLE,
  function: { name: 'r' },
  region: 'cn-hangzhou',
  accountId: '1',
};
let counter = 0;

function job(options: {
  text: string;
  staffId?: string;
  group?: boolean;
  webhook?: string;
}): Record<string, unknown> {
  counter += 1;
  return {
    v: 1,
    msgId: `fuzz-seed-${counter}`,
    createAt: Date.now(),
    msgtype: 'text',
    text: options.text,
    conversationType: options.group ? 'group' : 'single',
    conversationId: options.group ? GROUP : `cidFuzzDm${options.staffId}`,
    senderId: `sender-${options.staffId}`,
    ...(options.staffId ? { senderStaffId: options.staffId } : {}),
    senderNick: options.staffId ?? 'nobody',
    robotCode: APP_KEY,
    sessionWebhook: options.webhook ?? dingtalk.newSessionWebhook(),
    sessionWebhookExpiredTime: Date.now() + 5_400_000,
  };
}

/** A webhook of every kind: live, unknown (DingTalk answers 300001), or one the rule must refuse. */
const webhookKind = fc.constantFrom(
  'live',
  'live',
  'live',
  'unknown',
  'other-robot',
  'other-origin',
  'blob',
  'userinfo',
  'extra-query',
  'backslash',
);
const webhookFor = (kind: string): { url: string; pinned: boolean } => {
  switch (kind) {
    case 'live':
      return { url: dingtalk.newSessionWebhook(), pinned: true };
    case 'unknown':
      return { url: `${dingtalk.url}/robot/sendBySession?session=deadbeef${counter}`, pinned: true };
    case 'other-robot':
      return { url: `${dingtalk.url}/robot/send?access_token=attacker`, pinned: false };
    case 'other-origin':
      return { url: `${attacker.url}/robot/sendBySession?session=abc`, pinned: false };
    case 'blob':
      return { url: `blob:${dingtalk.url}/robot/sendBySession?session=abc`, pinned: false };
    case 'userinfo':
      return {
        url: `${dingtalk.url.replace('://', '://u:p@')}/robot/sendBySession?session=abc`,
        pinned: false,
      };
    case 'extra-query':
      return { url: `${dingtalk.url}/robot/sendBySession?session=abc&access_token=x`, pinned: false };
    default:
      return { url: `${dingtalk.url}\\robot\\sendBySession?session=abc`, pinned: false };
  }
};

const generatedJob = fc.record({
  webhook: webhookKind,
  expired: fc.boolean(),
  group: fc.boolean(),
  staffId: fc.constantFrom(ADMIN, ADMIN, VICTIM, 'someone', undefined),
  text: fc.oneof(
    fc.constantFrom(
      `#查对话 ${VICTIM}`,
      '#查对话 fuzz-victim',
      '#统计',
      '  #统计  ',
      '帮助',
      '\\clear',
      '重置',
      'whoami',
      '额度',
      '单聊',
    ),
    fc.string({ maxLength: 60 }),
  ),
  msgtype: fc.constantFrom('text', 'text', 'text', 'picture', 'file', 'audio'),
  createAt: fc.constantFrom(0, -1, 8.64e15, Date.now()),
  robotCode: fc.constantFrom(APP_KEY, APP_KEY, 'another-robot', undefined),
  conversationId: fc.constantFrom(GROUP, 'cidSomewhere=', 'x'),
  junk: fc.oneof(
    { arbitrary: fc.constant(null), weight: 8 },
    fc.constantFrom('not json', '{}', '{"v":1}', 'null', '[]', '{"v":2,"msgId":"x"}'),
  ),
});

describe('reply function under generated jobs', () => {
  it('never throws, never posts outside the pinned rule, never answers an admin command outside a direct chat', async () => {
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(generatedJob, async (generated) => {
        const { url, pinned } = webhookFor(generated.webhook);
        const body = {
          ...job({
            text: generated.text,
            ...(generated.staffId ? { staffId: generated.staffId } : {}),
            group: generated.group,
            webhook: url,
          }),
          msgtype: generated.msgtype,
          createAt: generated.createAt,
          conversationId: generated.group ? generated.conversationId : `cidDm${generated.staffId}`,
          sessionWebhookExpiredTime: generated.expired ? Date.now() - 1000 : Date.now() + 5_400_000,
          ...(generated.robotCode ? { robotCode: generated.robotCode } : { robotCode: undefined }),
        };
        const event = Buffer.from(generated.junk ?? JSON.stringify(body));
        const before = {
          calls: dingtalk.calls.length,
          posts: dingtalk.posts.length,
          openApi: dingtalk.openApiMessages.length,
          chat: chat.requests.length,
        };

        const result = await handler(event, context);

        expect(['answered', 'notice', 'duplicate', 'invalid', 'undelivered']).toContain(result.outcome);
        expect(attacker.hits).toEqual([]);
        const calls = dingtalk.calls.slice(before.calls);
        if (generated.junk !== null || !pinned) {
          expect(result.outcome).toBe('invalid');
          expect(calls).toEqual([]);
          expect(chat.requests.length).toBe(before.chat);
          return;
        }
        if (result.outcome === 'answered' || result.outcome === 'notice') answered += 1;
        const session = new URL(url).searchParams.get('session');
        for (const call of calls) {
          expect([
            '/robot/sendBySession',
            '/v1.0/oauth2/accessToken',
            '/v1.0/robot/oToMessages/batchSend',
            '/v1.0/robot/groupMessages/send',
          ]).toContain(call.path);
        }
        for (const post of dingtalk.posts.slice(before.posts)) expect(post.session).toBe(session);
        for (const message of dingtalk.openApiMessages.slice(before.openApi)) {
          if (message.kind === 'oto') {
            expect(generated.group).toBe(false);
            expect(message.body.userIds).toEqual([generated.staffId]);
          } else {
            expect(generated.group).toBe(true);
            expect(message.body.openConversationId).toBe(body.conversationId);
          }
        }
        const sent = JSON.stringify([
          dingtalk.posts.slice(before.posts).map((post) => post.body),
          dingtalk.openApiMessages.slice(before.openApi).map((message) => message.msgParam),
        ]);
        const adminCommand = /^\s*#(查对话|统计)/.test(generated.text) && generated.msgtype === 'text';
        if (generated.group || generated.staffId !== ADMIN) {
          expect(sent).not.toContain(VICTIM_SECRET);
          expect(sent).not.toContain('今天的使用情况');
        }
        if (adminCommand && generated.group && sent !== '[[],[]]') expect(sent).toContain(DM_ONLY);
      }),
      { numRuns: 400 },
    );
    // The generator must have reached the answering paths, or the property proves little.
    expect(answered).toBeGreaterThan(60);
  });
});
