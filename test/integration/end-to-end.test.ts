import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAnswer } from '../../scripts/emulators/chat-api';
import { freshMessage } from '../helpers/callbacks';
import type { Connector } from '../helpers/connector';
import { SECRETS, startConnector } from '../helpers/connector';

let c: Connector;

beforeAll(async () => {
  c = await startConnector();
});
afterAll(() => c.stop());

/** Sends one message through both functions and returns the webhook posts it produced. */
async function ask(body: Record<string, unknown>) {
  const before = c.dingtalk.posts.length;
  const response = await c.send(body);
  expect(response.statusCode).toBe(200);
  await c.settle();
  return c.dingtalk.posts.slice(before);
}

describe('a message travels through both functions', () => {
  it('answers a direct message with markdown and no @', async () => {
    const webhook = c.dingtalk.newSessionWebhook();
    const posts = await ask(freshMessage({ webhook, text: '你好' }));
    expect(posts).toHaveLength(1);
    const body = posts[0]?.body;
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.text).toBe(defaultAnswer('你好', 0));
    expect(body.markdown.title.length).toBeGreaterThan(0);
    expect(body.at?.atUserIds ?? []).toEqual([]);
    expect(webhook).toContain(posts[0]?.session);
  });

  it('keeps context per sender and conversation, and never lets a DM leak into a group', async () => {
    const staffId = 'staff-context-1';
    const dm = c.dingtalk.newSessionWebhook();
    await ask(freshMessage({ webhook: dm, text: '第一问', staffId }));
    const second = await ask(freshMessage({ webhook: dm, text: '第二问', staffId }));
    expect(second[0]?.body.markdown.text).toBe(defaultAnswer('第二问', 1));
    const lastRequest = c.chat.requests.at(-1);
    expect(lastRequest?.messages.map((m) => m.content)).toEqual([
      '第一问',
      defaultAnswer('第一问', 0),
      '第二问',
    ]);

    const group = c.dingtalk.newSessionWebhook();
    const inGroup = await ask(freshMessage({ webhook: group, text: '群里提问', staffId, group: true }));
    expect(inGroup[0]?.body.markdown.text).toContain(defaultAnswer('群里提问', 0));
    expect(c.chat.requests.at(-1)?.messages).toEqual([{ role: 'user', content: '群里提问' }]);
  });

  it('@-mentions the sender in a group with atUserIds and @staffId in the text', async () => {
    const webhook = c.dingtalk.newSessionWebhook();
    const posts = await ask(
      freshMessage({ webhook, text: '明天的发布计划是什么？', staffId: '1665012345698', group: true }),
    );
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body.at.atUserIds).toEqual(['1665012345698']);
    expect(posts[0]?.body.markdown.text).toContain('@1665012345698');
    // DingTalk's leading space in group texts is not part of the question.
    expect(c.chat.requests.at(-1)?.messages.at(-1)?.content).toBe('明天的发布计划是什么？');
  });

  it('keys history on senderId when there is no staffId (external users), and does not @ by id', async () => {
    const webhook = c.dingtalk.newSessionWebhook();
    const senderId = '$:LWCP_v1:$external/user+1==';
    await ask(freshMessage({ webhook, text: '外部一', staffId: null, senderId, group: true }));
    const posts = await ask(freshMessage({ webhook, text: '外部二', staffId: null, senderId, group: true }));
    expect(posts[0]?.body.markdown.text).toContain(defaultAnswer('外部二', 1));
    expect(posts[0]?.body.at?.atUserIds ?? []).toEqual([]);
  });

  it.each(['dm-picture', 'dm-rich-text', 'dm-file'] as const)(
    'answers a captured %s whose download code DingTalk no longer knows with a notice, without calling the chat API',
    async (fixture) => {
      const chatCalls = c.chat.requests.length;
      const posts = await ask(freshMessage({ webhook: c.dingtalk.newSessionWebhook(), fixture }));
      expect(posts).toHaveLength(1);
      expect(posts[0]?.body.markdown.text).toContain('下载链接已失效，请重新发送一次');
      expect(c.chat.requests.length).toBe(chatCalls);
    },
  );

  it('\\clear empties the history in a DM and in a group, without calling the chat API', async () => {
    for (const group of [false, true]) {
      const staffId = `staff-clear-${group}`;
      const webhook = c.dingtalk.newSessionWebhook();
      await ask(freshMessage({ webhook, text: '记住这个', staffId, group }));
      const chatCalls = c.chat.requests.length;
      const cleared = await ask(freshMessage({ webhook, text: '\\clear ', staffId, group }));
      expect(cleared[0]?.body.markdown.text).toContain('已清空');
      expect(c.chat.requests.length).toBe(chatCalls);
      const after = await ask(freshMessage({ webhook, text: '还记得吗', staffId, group }));
      expect(after[0]?.body.markdown.text).toContain(defaultAnswer('还记得吗', 0));
    }
  });

  it('answers an unknown \\word with the command list, without calling the chat API', async () => {
    const chatCalls = c.chat.requests.length;
    const posts = await ask(freshMessage({ webhook: c.dingtalk.newSessionWebhook(), text: '\\reset' }));
    expect(posts[0]?.body.markdown.text).toContain('未知指令');
    expect(posts[0]?.body.markdown.text).toContain('\\clear');
    expect(c.chat.requests.length).toBe(chatCalls);
  });

  it('logs JSON with requestId and msgId, user text only at debug, and never a secret or webhook', async () => {
    const webhook = c.dingtalk.newSessionWebhook();
    const message = freshMessage({ webhook, text: '日志里的问题' });
    await ask(message);
    const output = await c.output();
    for (const secret of SECRETS) expect(output).not.toContain(secret);
    expect(output).not.toContain(new URL(webhook).searchParams.get('session'));
    const lines = [...(await c.conversation.logs()), ...(await c.replies[0]!.logs())];
    const forMessage = lines.filter((line) => line.msgId === message.msgId);
    expect(forMessage.some((line) => line.fn === 'conversation' && typeof line.requestId === 'string')).toBe(
      true,
    );
    expect(forMessage.some((line) => line.fn === 'reply' && typeof line.requestId === 'string')).toBe(true);
    const withText = lines.filter((line) => JSON.stringify(line).includes('日志里的问题'));
    expect(withText.length).toBeGreaterThan(0);
    expect(withText.every((line) => line.level === 'debug')).toBe(true);
  });
});
