import { describe, expect, it } from 'vitest';
import { defaultAnswer } from '../../scripts/emulators/chat-api';
import { freshMessage, signedHttpEvent } from '../helpers/callbacks';
import type { Connector } from '../helpers/connector';
import { APP_SECRET, ROLE, withConnector } from '../helpers/connector';

async function ask(c: Connector, text: string, staffId = 'staff-config') {
  const webhook = c.dingtalk.newSessionWebhook();
  const response = await c.send(freshMessage({ webhook, text, staffId, senderId: `sender-${staffId}` }));
  await c.settle();
  return { response, posts: c.dingtalk.posts.filter((p) => webhook.endsWith(p.session)) };
}

describe('configurations', () => {
  it('HISTORY_LENGTH=0 sends no earlier turns', async () => {
    await withConnector({ replyEnv: { HISTORY_LENGTH: '0' } }, async (c) => {
      await ask(c, '一');
      const { posts } = await ask(c, '二');
      expect(posts[0]?.body.markdown.text).toBe(defaultAnswer('二', 0));
      expect(c.chat.requests.at(-1)?.messages).toHaveLength(1);
    });
  });

  it('HISTORY_LENGTH=2 sends the newest two pairs', async () => {
    await withConnector({ replyEnv: { HISTORY_LENGTH: '2', SYSTEM_PROMPT: '你是测试助手' } }, async (c) => {
      for (const text of ['一', '二', '三']) await ask(c, text);
      await ask(c, '四');
      const messages = c.chat.requests.at(-1)?.messages ?? [];
      expect(messages.map((m) => m.role)).toEqual([
        'system',
        'user',
        'assistant',
        'user',
        'assistant',
        'user',
      ]);
      expect(messages[0]?.content).toBe('你是测试助手');
      expect(messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['二', '三', '四']);
    });
  });

  it("accepts the Python connector's variable names in both functions", async () => {
    await withConnector({ legacyNames: true }, async (c) => {
      const { response, posts } = await ask(c, '旧配置');
      expect(response.statusCode).toBe(200);
      expect(posts[0]?.body.markdown.text).toBe(defaultAnswer('旧配置', 0));
      // VERBOSE keeps its Python meaning: 10 shows debug in reply, 20 hides it in conversation.
      expect((await c.replies[0]!.logs()).some((line) => line.level === 'debug')).toBe(true);
      const conversationLogs = await c.conversation.logs();
      expect(conversationLogs.some((line) => line.level === 'debug')).toBe(false);
      expect(conversationLogs.some((line) => line.level === 'info')).toBe(true);
    });
  });

  it('invokes an FC 2.0 service function when REPLY_SERVICE_NAME is set', async () => {
    await withConnector({ conversationEnv: { REPLY_SERVICE_NAME: 'ChatGTP_Services' } }, async (c) => {
      const { response, posts } = await ask(c, '二代函数');
      expect(response.statusCode).toBe(200);
      expect(c.fc.invocations.at(-1)).toMatchObject({ api: '2016-08-15', serviceName: 'ChatGTP_Services' });
      expect(posts).toHaveLength(1);
    });
  });

  it("falls back to FC's ALIBABA_CLOUD_* variables when the context carries no credentials", async () => {
    const roleEnv = {
      ALIBABA_CLOUD_ACCESS_KEY_ID: ROLE.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: ROLE.accessKeySecret,
      ALIBABA_CLOUD_SECURITY_TOKEN: ROLE.securityToken,
    };
    await withConnector({ conversationEnv: roleEnv }, async (c) => {
      const message = freshMessage({ webhook: c.dingtalk.newSessionWebhook(), text: '环境变量凭证' });
      const event = signedHttpEvent(message, { secret: APP_SECRET });
      const result = await c.conversation.invoke(event, { credentials: undefined });
      expect(result.result).toMatchObject({ statusCode: 200 });
      expect(c.fc.invocations).toHaveLength(1);
    });
    await withConnector({}, async (c) => {
      const message = freshMessage({ webhook: c.dingtalk.newSessionWebhook(), text: '没有凭证' });
      const result = await c.conversation.invoke(signedHttpEvent(message, { secret: APP_SECRET }), {
        credentials: undefined,
      });
      expect(result.result).toMatchObject({ statusCode: 503 });
      expect(c.fc.invocations).toHaveLength(0);
      expect(JSON.stringify(await c.conversation.logs())).toContain('RAM role');
    });
  });

  it('answers 503 and queues nothing when FC refuses the invocation', async () => {
    await withConnector({}, async (c) => {
      c.fc.failNext(503, 'ServiceUnavailable');
      const { response } = await ask(c, '调用失败');
      expect(response.statusCode).toBe(503);
      expect(c.fc.invocations).toHaveLength(0);
    });
  });

  it('without an app key, an expired webhook is still tried once and the failure is logged', async () => {
    await withConnector({ withApp: false }, async (c) => {
      const webhook = c.dingtalk.newSessionWebhook();
      c.dingtalk.expireSession(webhook);
      const message = freshMessage({ webhook, text: '没有应用', now: Date.now() - 6_000_000 });
      await c.send(message);
      await c.settle();
      const tries = c.dingtalk.calls.filter((call) => call.path === '/robot/sendBySession');
      expect(tries).toHaveLength(1);
      expect(c.dingtalk.openApiMessages).toHaveLength(0);
      const logs = await c.replies[0]!.logs();
      expect(logs.some((line) => line.level === 'error' && line.msgId === message.msgId)).toBe(true);
    });
  });

  it('a missing required variable names it at cold start and answers 500 without invoking', async () => {
    await withConnector({ conversationEnv: { DINGTALK_APP_SECRET: '' } }, async (c) => {
      const { response } = await ask(c, '没有密钥');
      expect(response.statusCode).toBe(500);
      expect(c.fc.invocations).toHaveLength(0);
      const logs = await c.conversation.logs();
      expect(JSON.stringify(logs)).toContain('DINGTALK_APP_SECRET is required');
      expect(JSON.stringify(logs)).not.toContain(APP_SECRET);
    });
  });
});
