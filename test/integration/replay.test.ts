import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyKey } from '../../src/storage/history-key';
import { freshMessage } from '../helpers/callbacks';
import type { Connector } from '../helpers/connector';
import { startConnector, withConnector } from '../helpers/connector';

// A captured (timestamp, sign) pair validates any body for an hour (dingtalk.md §2.3). These tests replay one
// with bodies an attacker would write, through the built bundles, and check that nothing leaves the conversation
// the message really came from.

const ADMIN = 'boss-admin';
const VICTIM = 'victim-user';
const VICTIM_SECRET = '机密记录-合同金额九百万';
const GROUP = 'cidGroupConversation0000000000000000000000+/=';

/** Any other HTTP server: where an attacker would like the robot to post. */
interface Attacker {
  url: string;
  hits: string[];
  close(): Promise<void>;
}

async function startAttacker(): Promise<Attacker> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0,"errmsg":"ok"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let c: Connector;
let attacker: Attacker;

beforeAll(async () => {
  attacker = await startAttacker();
  c = await startConnector({ replyEnv: { ADMIN_USERS: ADMIN } });
  // The victim's own conversation, which the attacker wants to read.
  const webhook = c.dingtalk.newSessionWebhook();
  await c.send(freshMessage({ webhook, text: VICTIM_SECRET, staffId: VICTIM }));
  await c.settle();
});
afterAll(async () => {
  await c.stop();
  await attacker.close();
});

/** Everything the robot sent anywhere after `mark`, as text. */
function sentSince(mark: { posts: number; openApi: number }): string {
  return JSON.stringify([
    c.dingtalk.posts.slice(mark.posts).map((post) => post.body),
    c.dingtalk.openApiMessages.slice(mark.openApi).map((message) => message.msgParam),
  ]);
}

function mark() {
  return {
    posts: c.dingtalk.posts.length,
    openApi: c.dingtalk.openApiMessages.length,
    calls: c.dingtalk.calls.length,
    invocations: c.fc.invocations.length,
  };
}

describe('a replayed signature cannot aim the robot anywhere else', () => {
  const badWebhooks = (dingtalk: string, other: string): Array<[string, string]> => [
    ['another robot on the same host', `${dingtalk}/robot/send?access_token=attacker-group-robot`],
    ['a blob: URL of the allowed origin', `blob:${dingtalk}/robot/sendBySession?session=abc`],
    ['another origin', `${other}/robot/sendBySession?session=abc`],
    ['an extra query parameter', `${dingtalk}/robot/sendBySession?session=abc&access_token=x`],
    ['a backslash path', `${dingtalk}\\robot\\sendBySession?session=abc`],
    ['dot segments', `${dingtalk}/robot/sendBySession/../send?session=abc`],
    ['userinfo', `${dingtalk.replace('://', '://user:pw@')}/robot/sendBySession?session=abc`],
    ['a fragment', `${dingtalk}/robot/sendBySession?session=abc#x`],
    ['an upper-case path', `${dingtalk}/robot/SendBySession?session=abc`],
    ['no session', `${dingtalk}/robot/sendBySession`],
  ];

  it.each(badWebhooks('DINGTALK', 'OTHER').map(([name]) => [name]))(
    'conversation answers 400 and invokes nothing for %s',
    async (name) => {
      const url = badWebhooks(c.dingtalk.url, attacker.url).find(([label]) => label === name)?.[1] ?? '';
      const before = mark();
      const response = await c.send(freshMessage({ webhook: url, text: '你好' }));
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body)).toEqual({ error: 'sessionWebhook not allowed' });
      await c.settle();
      expect(c.fc.invocations).toHaveLength(before.invocations);
      expect(c.dingtalk.calls.slice(before.calls)).toEqual([]);
      expect(attacker.hits).toEqual([]);
    },
  );

  it('the reply function re-checks the rule for a job it is handed directly', async () => {
    const before = mark();
    const job = {
      v: 1,
      msgId: 'direct-invoke-job',
      createAt: Date.now(),
      msgtype: 'text',
      text: '你好',
      conversationType: 'single',
      conversationId: 'cidDirect',
      senderId: 'sender',
      senderStaffId: ADMIN,
      senderNick: 'x',
      sessionWebhook: `${c.dingtalk.url}/robot/send?access_token=attacker-group-robot`,
      sessionWebhookExpiredTime: Date.now() + 60_000,
    };
    const result = await c.replies[0]?.invoke(Buffer.from(JSON.stringify(job)));
    expect(result?.result).toEqual({ outcome: 'invalid' });
    expect(c.dingtalk.calls.slice(before.calls)).toEqual([]);
    expect(c.chat.requests.at(-1)?.messages.at(-1)?.content).not.toBe('你好');
  });

  it.each([
    ['a day too old', -86_400_001 - 60_000],
    ['a day ahead', 86_400_001 + 60_000],
    ['the largest date', Number.NaN],
    ['the epoch', Number.NEGATIVE_INFINITY],
  ])('conversation answers 400 for a createAt %s', async (_name, offset) => {
    const now = Date.now();
    const createAt = Number.isNaN(offset) ? 8.64e15 : offset === Number.NEGATIVE_INFINITY ? 0 : now + offset;
    const body = freshMessage({ webhook: c.dingtalk.newSessionWebhook(), text: '你好' });
    body.createAt = createAt;
    const before = mark();
    const response = await c.send(body);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({ error: 'createAt out of range' });
    expect(c.fc.invocations).toHaveLength(before.invocations);
  });

  it('reply stamps every message’s claim with its own clock, whatever createAt a job names', async () => {
    const processed = join(c.historyDir, 'processed');
    const started = Date.now();
    for (const [index, createAt] of [8.64e15, 0, 1].entries()) {
      const job = {
        v: 1,
        msgId: `made-up-createAt-${index}`,
        createAt,
        msgtype: 'text',
        text: '帮助',
        conversationType: 'single',
        conversationId: 'cidMadeUp',
        senderId: 'sender',
        senderNick: 'x',
        sessionWebhook: c.dingtalk.newSessionWebhook(),
        sessionWebhookExpiredTime: Date.now() + 60_000,
      };
      expect((await c.replies[0]?.invoke(Buffer.from(JSON.stringify(job))))?.result).toEqual({
        outcome: 'notice',
      });
    }
    const tickets = (await readdir(processed, { recursive: true })).filter((name) => name.includes('.'));
    const hashes = [0, 1, 2].map((index) =>
      createHash('sha256').update(`made-up-createAt-${index}`).digest('hex').slice(0, 32),
    );
    for (const hash of hashes) {
      const own = tickets.filter((name) => name.includes(hash));
      expect(own.length).toBeGreaterThan(0);
      for (const name of own) {
        const at = Number(/\.(\d{13})-/.exec(name)?.[1]);
        expect(at).toBeGreaterThanOrEqual(started);
        expect(at).toBeLessThanOrEqual(Date.now());
      }
    }
  });
});

describe('admin commands answer only in the admin’s own direct chat', () => {
  it.each(['#查对话 victim-user', `#查对话 ${VICTIM}`, '#统计'])(
    '%s in a group gets one short notice and reveals nothing',
    async (command) => {
      const before = mark();
      const webhook = c.dingtalk.newSessionWebhook();
      await c.send(freshMessage({ webhook, text: command, staffId: ADMIN, group: true }));
      await c.settle();
      const posts = c.dingtalk.posts.slice(before.posts);
      expect(posts).toHaveLength(1);
      expect(posts[0]?.body.markdown.text).toContain('只能在与机器人的单聊中使用');
      expect(sentSince(before)).not.toContain(VICTIM_SECRET);
      expect(sentSince(before)).not.toContain('今天的使用情况');
    },
  );

  it('a group body with an expired webhook and an admin staffId sends the notice, never the history, to the group', async () => {
    const before = mark();
    const body = freshMessage({
      webhook: c.dingtalk.newSessionWebhook(),
      text: `#查对话 ${VICTIM}`,
      staffId: ADMIN,
      group: true,
    });
    body.sessionWebhookExpiredTime = Date.now() - 1000;
    expect((await c.send(body)).statusCode).toBe(200);
    await c.settle();
    const sent = c.dingtalk.openApiMessages.slice(before.openApi);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.kind).toBe('group');
    expect(sent[0]?.msgParam.text).toContain('只能在与机器人的单聊中使用');
    expect(sentSince(before)).not.toContain(VICTIM_SECRET);
  });

  it('in a direct chat whose webhook expired, the lookup goes only to the requesting admin', async () => {
    const before = mark();
    const body = freshMessage({
      webhook: c.dingtalk.newSessionWebhook(),
      text: `#查对话 ${VICTIM}`,
      staffId: ADMIN,
    });
    body.sessionWebhookExpiredTime = Date.now() - 1000;
    body.conversationId = GROUP; // a group's id named in a direct-chat body changes nothing
    expect((await c.send(body)).statusCode).toBe(200);
    await c.settle();
    const sent = c.dingtalk.openApiMessages.slice(before.openApi);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.kind).toBe('oto');
    expect(sent[0]?.body.userIds).toEqual([ADMIN]);
    expect(sent[0]?.msgParam.text).toContain(VICTIM_SECRET);
    expect(c.dingtalk.posts.slice(before.posts)).toHaveLength(0);
  });

  it('DENY_USERS wins over ADMIN_USERS', async () => {
    await withConnector(
      { replyEnv: { ADMIN_USERS: ADMIN, DENY_USERS: ADMIN, VIP_USERS: '' } },
      async (denied) => {
        const webhook = denied.dingtalk.newSessionWebhook();
        await denied.send(freshMessage({ webhook, text: '#统计', staffId: ADMIN }));
        await denied.settle();
        expect(denied.dingtalk.posts).toHaveLength(1);
        expect(denied.dingtalk.posts[0]?.body.markdown.text).toContain('管理员已停用你使用本机器人的权限');
      },
    );
  });
});

describe('history files are never followed through symbolic links', () => {
  it('a turn file and a head hint planted as links are neither read nor written through', async () => {
    const staffId = 'linked-user';
    const base = freshMessage({ webhook: c.dingtalk.newSessionWebhook(), text: '第一问', staffId });
    const keyDir = join(c.historyDir, 'history', historyKey([String(base.conversationId), staffId]));
    const outsideTurn = join(c.historyDir, 'outside-turn.json');
    const outsideHint = join(c.historyDir, 'outside-hint.json');
    await writeFile(
      outsideTurn,
      JSON.stringify({ v: 1, type: 'turn', msgId: 'x', question: '泄露的问题', answer: '泄露的秘密', at: 1 }),
    );
    await writeFile(outsideHint, '{"seq":1}');
    await mkdir(keyDir, { recursive: true });
    await symlink(outsideTurn, join(keyDir, '000000000001.json'));
    await symlink(outsideHint, join(keyDir, 'head.json'));

    await c.send(base);
    await c.settle();
    const request = JSON.stringify(c.chat.requests.at(-1)?.messages);
    expect(request).toContain('第一问');
    expect(request).not.toContain('泄露的秘密');
    expect(await readFile(outsideHint, 'utf8')).toBe('{"seq":1}');
    expect((await lstat(join(keyDir, 'head.json'))).isSymbolicLink()).toBe(true);
    // The turn was stored in its day folder, as an ordinary file.
    const [day] = await readdir(join(keyDir, 'days'));
    const [stored] = await readdir(join(keyDir, 'days', day ?? ''));
    expect((await lstat(join(keyDir, 'days', day ?? '', stored ?? ''))).isFile()).toBe(true);
  });
});

describe('CONTEXT_SCOPE=conversation', () => {
  it('\\clear and 重置 in a group say that the whole group’s shared context was cleared', async () => {
    await withConnector({ replyEnv: { CONTEXT_SCOPE: 'conversation' } }, async (shared) => {
      const webhook = shared.dingtalk.newSessionWebhook();
      for (const text of ['\\clear', '重置']) {
        await shared.send(freshMessage({ webhook, text, staffId: 'member', group: true }));
        await shared.settle();
      }
      const [clear, reset] = shared.dingtalk.posts.map((post) => String(post.body.markdown.text));
      expect(clear).toContain('本群共享的对话上下文');
      expect(clear).not.toContain('你的对话历史');
      expect(reset).toContain('本群共享的对话上下文');
      // A direct chat keeps the personal wording.
      await shared.send(
        freshMessage({ webhook: shared.dingtalk.newSessionWebhook(), text: '\\clear', staffId: 'member' }),
      );
      await shared.settle();
      expect(shared.dingtalk.posts.at(-1)?.body.markdown.text).toContain('已清空你的对话历史');
    });
  });
});
