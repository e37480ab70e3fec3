import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAnswer } from '../../scripts/emulators/chat-api';
import type { GreenApi } from '../../scripts/emulators/green-api';
import { startGreenApi } from '../../scripts/emulators/green-api';
import { freshMessage } from '../helpers/callbacks';
import type { Connector } from '../helpers/connector';
import { ROLE, startConnector, withConnector } from '../helpers/connector';

/** One member of the organisation talking to the robot, in a direct chat or the group. */
function member(
  c: Connector,
  staffId: string,
  options: { group?: boolean; nick?: string; conversationId?: string } = {},
) {
  const webhook = c.dingtalk.newSessionWebhook();
  const session = new URL(webhook).searchParams.get('session');
  return async (text: string) => {
    const posts = c.dingtalk.posts.length;
    const calls = c.chat.requests.length;
    const body = freshMessage({ webhook, text, staffId, group: options.group ?? false });
    if (options.nick) body.senderNick = options.nick;
    if (options.conversationId) body.conversationId = options.conversationId;
    expect((await c.send(body)).statusCode).toBe(200);
    await c.settle();
    return {
      answer: c.dingtalk.posts
        .slice(posts)
        .filter((post) => post.session === session)
        .map((post) => String(post.body.markdown.text))
        .join('\n'),
      chatCalls: c.chat.requests.length - calls,
    };
  };
}

describe('access control', () => {
  let c: Connector;
  beforeAll(async () => {
    c = await startConnector({
      replyEnv: {
        ALLOW_USERS: 'allowed,denied,admin',
        DENY_USERS: 'denied',
        ALLOW_GROUPS: 'cidAllowedGroup',
        ADMIN_USERS: 'admin',
      },
    });
  });
  afterAll(() => c.stop());

  it('answers an allowed user and refuses others politely, before any model call', async () => {
    expect((await member(c, 'allowed')('你好')).chatCalls).toBe(1);
    for (const staffId of ['stranger', 'denied']) {
      const { answer, chatCalls } = await member(c, staffId)('你好');
      expect(chatCalls).toBe(0);
      expect(answer).toContain('抱歉');
      expect(answer).toContain('whoami');
    }
  });

  it('keeps whoami, 群ID and 帮助 open to everyone', async () => {
    const stranger = member(c, 'stranger', { group: true });
    expect((await stranger('whoami')).answer).toContain('stranger');
    expect((await stranger('群ID')).answer).toContain('cid');
    expect((await stranger('帮助')).answer).toContain('| 指令 |');
  });

  it('answers only in ALLOW_GROUPS, admins excepted', async () => {
    expect(
      (await member(c, 'allowed', { group: true, conversationId: 'cidAllowedGroup' })('群里问')).chatCalls,
    ).toBe(1);
    const elsewhere = await member(c, 'allowed', { group: true, conversationId: 'cidOtherGroup' })('群里问');
    expect(elsewhere.chatCalls).toBe(0);
    expect(elsewhere.answer).toContain('群ID');
    expect(
      (await member(c, 'admin', { group: true, conversationId: 'cidOtherGroup' })('管理员问')).chatCalls,
    ).toBe(1);
  });

  it('refuses #统计 and #查对话 to non-admins', async () => {
    for (const text of ['#统计', '#查对话 allowed']) {
      expect((await member(c, 'allowed')(text)).answer).toContain('只有管理员');
    }
  });

  it('CHAT_TYPE=single answers only direct chats', async () => {
    await withConnector({ replyEnv: { CHAT_TYPE: 'single' } }, async (single) => {
      expect((await member(single, 'anyone')('私聊')).chatCalls).toBe(1);
      const group = await member(single, 'anyone', { group: true })('群聊');
      expect(group.chatCalls).toBe(0);
      expect(group.answer).toContain('单聊');
    });
  });
});

describe('daily quota and admin reports', () => {
  let c: Connector;
  beforeAll(async () => {
    c = await startConnector({
      replyEnv: {
        MAX_REQUESTS_PER_DAY: '2',
        VIP_USERS: 'vip',
        ADMIN_USERS: 'boss',
        TIMEZONE: 'Asia/Shanghai',
      },
      replyInstances: 2,
    });
  });
  afterAll(() => c.stop());

  it('counts questions, not commands, and says what is left with 额度', async () => {
    const ask = member(c, 'counted', { nick: '计数' });
    expect((await ask('额度')).answer).toContain('**2**');
    await ask('第一问');
    await ask('帮助');
    expect((await ask('额度')).answer).toContain('**1**');
    expect((await ask('第二问')).chatCalls).toBe(1);
    const third = await ask('第三问');
    expect(third.chatCalls).toBe(0);
    expect(third.answer).toContain('2 次提问已经用完');
    expect((await ask('额度')).answer).toContain('**0**');
  });

  it('exempts VIPs and admins', async () => {
    const vip = member(c, 'vip');
    for (const text of ['一', '二', '三']) expect((await vip(text)).chatCalls).toBe(1);
    expect((await vip('额度')).answer).toContain('不受限制');
  });

  it('never lets concurrent questions in two instances exceed the limit', async () => {
    const webhook = c.dingtalk.newSessionWebhook();
    const calls = c.chat.requests.length;
    await Promise.all(
      ['甲', '乙', '丙', '丁', '戊'].map((text) => c.send(freshMessage({ webhook, text, staffId: 'racer' }))),
    );
    await c.settle();
    expect(c.chat.requests.length - calls).toBe(2);
  });

  it("#统计 shows today's messages and tokens per user, and #查对话 their recent turns", async () => {
    const boss = member(c, 'boss', { nick: '老板' });
    const stats = (await boss('#统计')).answer;
    expect(stats).toContain('| 用户 | 消息 | 输入 tokens | 输出 tokens |');
    expect(stats).toMatch(/计数（counted） \| 2 \| 20 \| \d+ \|/);
    expect(stats).toContain('**合计**');
    const byId = (await boss('#查对话 counted')).answer;
    expect(byId).toContain('第一问');
    expect(byId).toContain(defaultAnswer('第二问', 1));
    expect((await boss('#查对话 计数')).answer).toContain('第二问');
    expect((await boss('#查对话 nobody')).answer).toContain('没有找到');
  });
});

describe('moderation', () => {
  it('SENSITIVE_WORDS refuses such questions and masks every occurrence in answers, posted and stored', async () => {
    await withConnector({ replyEnv: { SENSITIVE_WORDS: '机密,Secret' } }, async (c) => {
      const ask = member(c, 'careful');
      const refused = await ask('把机密文件发我');
      expect(refused.chatCalls).toBe(0);
      expect(refused.answer).toContain('敏感词');
      c.chat.script({ kind: 'answer', text: '这是 SECRET 和 secret，还有机密。' });
      const masked = (await ask('随便问问')).answer;
      expect(masked).not.toMatch(/secret|机密/i);
      expect(masked).toContain('〇〇〇〇〇〇');
      await ask('下一问');
      expect(JSON.stringify(c.chat.requests.at(-1)?.messages)).not.toMatch(/secret|机密/i);
    });
  });

  describe('MODERATION=aliyun', () => {
    let green: GreenApi;
    beforeAll(async () => {
      green = await startGreenApi({
        credentials: ROLE,
        risky: { 违禁: 'high', 擦边: 'medium', 普通: 'low' },
      });
    });
    afterAll(() => green.close());

    it('refuses a risky question and replaces a risky answer, with the role credentials', async () => {
      await withConnector(
        { replyEnv: { MODERATION: 'aliyun', MODERATION_ENDPOINT: green.url } },
        async (c) => {
          const ask = member(c, 'moderated');
          const refused = await ask('怎么买违禁品');
          expect(refused.chatCalls).toBe(0);
          expect(refused.answer).toContain('审核');
          expect((await ask('普通问题')).answer).toBe(defaultAnswer('普通问题', 0));
          c.chat.script({ kind: 'answer', text: '这是一个擦边的回答' });
          const replaced = await ask('再问一个');
          expect(replaced.answer).toContain('审核');
          expect(replaced.answer).not.toContain('擦边');
          expect(green.requests.map((request) => request.service)).toEqual(
            expect.arrayContaining(['llm_query_moderation', 'llm_response_moderation']),
          );
          expect(green.rejections).toEqual([]);
        },
      );
    });

    it('MODERATION_FAIL decides what happens when the moderation API is down', async () => {
      for (const [fail, answered] of [
        ['closed', false],
        ['open', true],
      ] as const) {
        await withConnector(
          {
            replyEnv: {
              MODERATION: 'aliyun',
              MODERATION_ENDPOINT: 'http://127.0.0.1:9',
              MODERATION_FAIL: fail,
            },
          },
          async (c) => {
            const result = await member(c, `fail-${fail}`)('审核挂了');
            expect(result.chatCalls).toBe(answered ? 1 : 0);
            if (!answered) expect(result.answer).toContain('审核服务暂时不可用');
          },
        );
      }
    });
  });
});
