import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAnswer } from '../../scripts/emulators/chat-api';
import { historyKey } from '../../src/storage/history-key';
import { freshMessage } from '../helpers/callbacks';
import type { Connector } from '../helpers/connector';
import { SECRETS, startConnector } from '../helpers/connector';

let c: Connector;

beforeAll(async () => {
  c = await startConnector({ replyEnv: { LLM_TIMEOUT: '1.5' } });
});
afterAll(() => c.stop());

function sessionOf(webhook: string): string {
  return new URL(webhook).searchParams.get('session') ?? '';
}

async function ask(body: Record<string, unknown>) {
  const webhook = String(body.sessionWebhook);
  const response = await c.send(body);
  expect(response.statusCode).toBe(200);
  await c.settle();
  return c.dingtalk.posts.filter((post) => post.session === sessionOf(webhook));
}

describe('upstream failures give the user one short message and never a retry storm', () => {
  it.each([
    [
      'chat API 500',
      [
        { kind: 'error', status: 500 },
        { kind: 'error', status: 500 },
      ],
      '暂时不可用',
    ],
    [
      'chat API 429 twice',
      [
        { kind: 'error', status: 429 },
        { kind: 'error', status: 429 },
      ],
      '请求过多',
    ],
    ['chat API timeout', [{ kind: 'hang' }], '超时'],
  ] as const)('%s', async (_name, steps, notice) => {
    c.chat.script(...steps);
    const webhook = c.dingtalk.newSessionWebhook();
    const staffId = `staff-fail-${_name}`;
    const posts = await ask(freshMessage({ webhook, text: '会失败的问题', staffId }));
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body.markdown.text).toContain(notice);
    expect(posts[0]?.body.markdown.text).toContain('再试');
    expect(c.replyResults.at(-1)?.error).toBeUndefined();
    // A failed exchange is not stored: the next question has no context.
    await ask(freshMessage({ webhook, text: '下一个问题', staffId }));
    expect(c.chat.requests.at(-1)?.messages).toEqual([{ role: 'user', content: '下一个问题' }]);
  });

  it('a wrong API key tells the user to contact the admin', async () => {
    c.chat.script({ kind: 'error', status: 401, code: 'invalid_api_key' });
    const posts = await ask(freshMessage({ webhook: c.dingtalk.newSessionWebhook(), text: '密钥错误' }));
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body.markdown.text).toContain('认证失败');
    expect(posts[0]?.body.markdown.text).toContain('管理员');
  });

  it('a single 429 is retried and the user just gets the answer', async () => {
    c.chat.script({ kind: 'error', status: 429, headers: { 'retry-after': '0' } });
    const posts = await ask(freshMessage({ webhook: c.dingtalk.newSessionWebhook(), text: '限流一次' }));
    expect(posts[0]?.body.markdown.text).toBe(defaultAnswer('限流一次', 0));
  });
});

describe('webhook problems', () => {
  it('errcode 300001 from the webhook falls back to the OpenAPI with the robot of the callback', async () => {
    const webhook = c.dingtalk.newSessionWebhook();
    c.dingtalk.expireSession(webhook);
    const before = c.dingtalk.openApiMessages.length;
    await ask(freshMessage({ webhook, text: '会话过期了', staffId: 'staff-expired' }));
    const sent = c.dingtalk.openApiMessages.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.kind).toBe('oto');
    expect(sent[0]?.body.userIds).toEqual(['staff-expired']);
    expect(sent[0]?.msgParam.text).toContain(defaultAnswer('会话过期了', 0));
  });

  it('an expired sessionWebhookExpiredTime goes straight to the OpenAPI (group: openConversationId)', async () => {
    const webhook = c.dingtalk.newSessionWebhook();
    const message = freshMessage({ webhook, text: '过期的群消息', group: true, now: Date.now() - 6_000_000 });
    const before = c.dingtalk.openApiMessages.length;
    const posts = await ask(message);
    expect(posts).toHaveLength(0);
    const sent = c.dingtalk.openApiMessages.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.kind).toBe('group');
    expect(sent[0]?.body.openConversationId).toBe(message.conversationId);
  });

  it('a transient webhook failure is retried and delivered once', async () => {
    c.dingtalk.failWebhook('http500', 1);
    const posts = await ask(freshMessage({ webhook: c.dingtalk.newSessionWebhook(), text: '重试一下' }));
    expect(posts).toHaveLength(1);
  });

  it('long answers with code blocks arrive in order, each part under 20,000 bytes with balanced fences', async () => {
    const code = Array.from({ length: 250 }, (_, i) => `    print("第${i}行：${'数据'.repeat(10)}")`).join(
      '\n',
    );
    const prose = Array.from({ length: 30 }, (_, i) => `第${i}段：${'钉钉机器人'.repeat(40)}`).join('\n\n');
    const answer = `${prose}\n\n\`\`\`python\n${code}\n\`\`\`\n\n结束语`;
    c.chat.script({ kind: 'answer', text: answer });
    const posts = await ask(
      freshMessage({ webhook: c.dingtalk.newSessionWebhook(), text: '写一段长代码', group: true }),
    );
    expect(posts.length).toBeGreaterThan(2);
    for (const post of posts) {
      expect(post.bytes).toBeLessThanOrEqual(20_000);
      expect((post.body.markdown.text.match(/^```/gm) ?? []).length % 2).toBe(0);
    }
    const joined = posts.map((post) => post.body.markdown.text as string).join('\n');
    expect(answer.length).toBeLessThan(20_000); // under MAX_ANSWER_CHARS: nothing is cut
    for (const line of [`第0段`, `第29段`, 'print("第0行', 'print("第249行', '结束语'])
      expect(joined).toContain(line);
    expect(joined.indexOf('第29段')).toBeLessThan(joined.indexOf('print("第0行'));
    expect(joined.indexOf('print("第249行')).toBeLessThan(joined.indexOf('结束语'));
  });
});

describe('history edge cases', () => {
  it('a corrupt history file never blocks the user, and \\clear still works', async () => {
    const webhook = c.dingtalk.newSessionWebhook();
    const staffId = 'staff-corrupt';
    const first = freshMessage({ webhook, text: '第一轮', staffId });
    await ask(first);
    const dir = join(c.historyDir, 'history', historyKey([String(first.conversationId), staffId]));
    const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) =>
      entry.isFile(),
    );
    // The turn, the only file an answer writes.
    expect(files.map((entry) => entry.name)).toEqual([expect.stringMatching(/^\d{13}-[0-9a-f]{16}\.json$/)]);
    for (const entry of files) await writeFile(join(entry.parentPath, entry.name), '{"v":1,"type":"turn",');
    // A v1 file of an earlier version, broken too.
    await writeFile(join(dir, '000000000002.json'), '\u0000\u0001garbage');
    await writeFile(join(dir, 'head.json'), '{"seq":2}');
    // The same broken files under a history this instance never saw, so it has to read them.
    const elsewhere = 'staff-corrupt-elsewhere';
    await cp(dir, join(c.historyDir, 'history', historyKey([String(first.conversationId), elsewhere])), {
      recursive: true,
    });

    const unread = await ask(freshMessage({ webhook, text: '坏文件之后', staffId: elsewhere }));
    expect(unread.at(-1)?.body.markdown.text).toBe(defaultAnswer('坏文件之后', 0));
    // The instance that saved the turn still has it (its record is listed; the file's bytes are not needed).
    const remembered = await ask(freshMessage({ webhook, text: '坏文件之后', staffId }));
    expect(remembered.at(-1)?.body.markdown.text).toBe(defaultAnswer('坏文件之后', 1));
    for (const who of [staffId, elsewhere]) {
      const cleared = await ask(freshMessage({ webhook, text: '\\clear', staffId: who }));
      expect(cleared.at(-1)?.body.markdown.text).toContain('已清空');
    }
  });

  it('a history directory that is a file is reported to the user instead of crashing', async () => {
    const webhook = c.dingtalk.newSessionWebhook();
    const staffId = 'staff-blocked-dir';
    const message = freshMessage({ webhook, text: '目录坏了', staffId });
    const dir = join(c.historyDir, 'history');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, historyKey([String(message.conversationId), staffId])), 'not a directory');
    const posts = await ask(message);
    expect(posts).toHaveLength(1);
    expect(c.replyResults.at(-1)?.error).toBeUndefined();
  });
});

describe('nothing secret reaches the output', () => {
  it('after all the failures above', async () => {
    const output = await c.output();
    for (const secret of SECRETS) expect(output).not.toContain(secret);
    expect(output).not.toMatch(/session=[0-9a-f]{8}/);
  });
});
