import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAnswer } from '../../scripts/emulators/chat-api';
import { BUILT_IN_TEMPLATES } from '../../src/commands/prompt-templates';
import { historyKey } from '../../src/storage/history-key';
import { freshMessage } from '../helpers/callbacks';
import type { Connector } from '../helpers/connector';
import { startConnector, withConnector } from '../helpers/connector';

/** One conversation of one sender, through both functions. */
function chatWith(c: Connector, options: { staffId: string; group?: boolean; nick?: string }) {
  const webhook = c.dingtalk.newSessionWebhook();
  const session = new URL(webhook).searchParams.get('session');
  return async (
    text: string,
  ): Promise<{ answer: string; chatCalls: number; request: { role: string; content: string }[] }> => {
    const posts = c.dingtalk.posts.length;
    const calls = c.chat.requests.length;
    const body = freshMessage({ webhook, text, staffId: options.staffId, group: options.group ?? false });
    if (options.nick) body.senderNick = options.nick;
    expect((await c.send(body)).statusCode).toBe(200);
    await c.settle();
    const mine = c.dingtalk.posts.slice(posts).filter((post) => post.session === session);
    const calledNow = c.chat.requests.length - calls;
    return {
      answer: mine.map((post) => String(post.body.markdown.text)).join('\n'),
      chatCalls: calledNow,
      request: calledNow > 0 ? (c.chat.requests.at(-1)?.messages ?? []) : [],
    };
  };
}

describe('commands with the default settings', () => {
  let c: Connector;
  beforeAll(async () => {
    c = await startConnector({ replyInstances: 2 });
  });
  afterAll(() => c.stop());

  it.each(['帮助', ' help ', 'HELP'])(
    '%j shows the command table without calling the model',
    async (text) => {
      const ask = chatWith(c, { staffId: 'help-user' });
      const { answer, chatCalls } = await ask(text);
      expect(answer).toContain('| 指令 | 说明 |');
      expect(answer).toContain('`单聊`');
      expect(answer).toContain('当前模式：**串聊**');
      // No quota, image model or admin list by default: 额度 says unlimited, #图片 and admin commands are absent.
      expect(answer).toContain('当前不限次数');
      expect(answer).not.toContain('#图片');
      expect(answer).not.toContain('#统计');
      expect(chatCalls).toBe(0);
    },
  );

  it('an empty @-mention in a group shows the help', async () => {
    const ask = chatWith(c, { staffId: 'help-group', group: true });
    const { answer, chatCalls } = await ask('');
    expect(answer).toContain('| 指令 | 说明 |');
    expect(chatCalls).toBe(0);
  });

  it('单聊 makes each message stand alone and stores nothing; 串聊 brings the context back', async () => {
    const ask = chatWith(c, { staffId: 'mode-user' });
    await ask('记住：我叫小明');
    expect((await ask('单聊')).answer).toContain('单聊');
    const single = await ask('我叫什么？');
    expect(single.request).toEqual([{ role: 'user', content: '我叫什么？' }]);
    expect((await ask('帮助')).answer).toContain('当前模式：**单聊**');
    expect((await ask('串聊')).answer).toContain('串聊');
    const chained = await ask('现在呢？');
    expect(chained.request.map((m) => m.content)).toEqual([
      '记住：我叫小明',
      defaultAnswer('记住：我叫小明', 0),
      '现在呢？',
    ]);
  });

  it('the mode belongs to the sender, not to one conversation', async () => {
    const dm = chatWith(c, { staffId: 'mode-everywhere' });
    const group = chatWith(c, { staffId: 'mode-everywhere', group: true });
    await group('群里的第一问');
    await dm('单聊');
    expect((await group('群里的第二问')).request).toEqual([{ role: 'user', content: '群里的第二问' }]);
  });

  it('重置 clears the context and returns to the default mode', async () => {
    const ask = chatWith(c, { staffId: 'reset-user' });
    await ask('第一问');
    await ask('单聊');
    const { answer, chatCalls } = await ask('重置');
    expect(answer).toContain('已重置');
    expect(answer).toContain('串聊');
    expect(chatCalls).toBe(0);
    await ask('重置后的第一问');
    const next = await ask('重置后的第二问');
    expect(next.request.map((m) => m.content)).toEqual([
      '重置后的第一问',
      defaultAnswer('重置后的第一问', 0),
      '重置后的第二问',
    ]);
  });

  it('\\clear keeps working', async () => {
    const ask = chatWith(c, { staffId: 'clear-user' });
    await ask('要被清掉的一问');
    expect((await ask('\\clear')).answer).toContain('已清空');
    expect((await ask('干净的一问')).request).toHaveLength(1);
  });

  it('模板 lists the templates; #名称 内容 applies one; a bare #名称 shows its usage', async () => {
    const ask = chatWith(c, { staffId: 'template-user' });
    const list = await ask('模板');
    for (const template of BUILT_IN_TEMPLATES) expect(list.answer).toContain(template.title);
    expect(list.chatCalls).toBe(0);

    const translate = BUILT_IN_TEMPLATES.find((t) => t.title === '#翻译');
    const applied = await ask('#翻译 The quick brown fox');
    expect(applied.request.at(-1)?.content).toBe(
      `${translate?.prefix}The quick brown fox${translate?.suffix}`,
    );

    const code = BUILT_IN_TEMPLATES.find((t) => t.title === '#解释代码');
    const explained = await ask('#解释代码 const x = 1;');
    expect(explained.request.at(-1)?.content).toBe(`${code?.prefix}const x = 1;${code?.suffix}`);

    const usage = await ask(' #周报 ');
    expect(usage.answer).toContain('#周报 你的内容');
    expect(usage.chatCalls).toBe(0);
  });

  it('whoami and 群ID show the ids the access settings need', async () => {
    const ask = chatWith(c, { staffId: 'whoami-user', group: true });
    for (const text of ['whoami', '群ID']) {
      const { answer, chatCalls } = await ask(text);
      expect(answer).toContain('whoami-user');
      expect(answer).toContain('cidGroupConversation0000000000000000000000+/=');
      expect(answer).toContain('群聊');
      expect(chatCalls).toBe(0);
    }
  });

  it('concurrent mode changes and questions of one sender in two instances lose nothing', async () => {
    const staffId = 'concurrent-modes';
    const webhook = c.dingtalk.newSessionWebhook();
    const texts = ['单聊', '串聊', '单聊', '串聊'];
    await Promise.all(texts.map((text) => c.send(freshMessage({ webhook, text, staffId }))));
    await c.settle();
    const senderKey = historyKey(['sender', staffId]);
    // Each change is its own entry (none replaced another); the newest by time is the sender's mode.
    const entries = (await readdir(join(c.historyDir, 'modes', senderKey))).sort();
    expect(entries).toHaveLength(4);
    expect(entries.every((name) => /^\d{13}-[0-9a-f]{16}-(single|chain)$/.test(name))).toBe(true);
  });
});

describe('conversation settings', () => {
  it('DEFAULT_MODE=单聊 answers without context until the sender chooses 串聊', async () => {
    await withConnector({ replyEnv: { DEFAULT_MODE: '单聊' } }, async (c) => {
      const ask = chatWith(c, { staffId: 'default-single' });
      await ask('一');
      expect((await ask('二')).request).toHaveLength(1);
      await ask('串聊');
      await ask('三');
      expect((await ask('四')).request.map((m) => m.content)).toEqual(['三', defaultAnswer('三', 0), '四']);
      expect((await ask('重置')).answer).toContain('单聊');
    });
  });

  it('CONTEXT_SCOPE=conversation shares a group context and names who speaks; DMs stay private', async () => {
    await withConnector({ replyEnv: { CONTEXT_SCOPE: 'conversation' } }, async (c) => {
      const zhang = chatWith(c, { staffId: 'zhang', group: true, nick: '张三' });
      const li = chatWith(c, { staffId: 'li', group: true, nick: '李四' });
      await zhang('我负责前端');
      const second = await li('谁负责前端？');
      expect(second.request.map((m) => m.content)).toEqual([
        '张三：我负责前端',
        defaultAnswer('张三：我负责前端', 0),
        '李四：谁负责前端？',
      ]);
      const dm = chatWith(c, { staffId: 'li' });
      expect((await dm('私聊问题')).request).toEqual([{ role: 'user', content: '私聊问题' }]);
    });
  });

  it('MAX_CONTEXT_TOKENS drops the oldest turns so the request fits', async () => {
    await withConnector({ replyEnv: { MAX_CONTEXT_TOKENS: '400', HISTORY_LENGTH: '10' } }, async (c) => {
      const ask = chatWith(c, { staffId: 'tokens' });
      // Each turn is about 2 × 60 CJK characters: at most two earlier turns fit in 400 tokens with the question.
      for (let i = 0; i < 4; i += 1) await ask(`第${i}轮${'长'.repeat(60)}`);
      const last = await ask('最后的问题');
      const questions = last.request.filter((m) => m.role === 'user').map((m) => m.content.slice(0, 3));
      expect(questions).toEqual(['第2轮', '第3轮', '最后的']);
    });
  });

  it('on a context-length error, trims and retries once, then tells the user to 重置', async () => {
    await withConnector({}, async (c) => {
      const ask = chatWith(c, { staffId: 'overflow' });
      for (const text of ['一', '二', '三', '四']) await ask(text);
      const tooLong = {
        kind: 'error',
        status: 400,
        code: 'context_length_exceeded',
        message: 'maximum context length',
      } as const;
      c.chat.script(tooLong);
      const retried = await ask('五');
      expect(retried.chatCalls).toBe(2);
      expect(retried.request.filter((m) => m.role === 'user').map((m) => m.content)).toEqual([
        '三',
        '四',
        '五',
      ]);
      expect(retried.answer).toBe(defaultAnswer('五', 2));

      c.chat.script(tooLong, tooLong);
      const failed = await ask('六');
      expect(failed.chatCalls).toBe(2);
      expect(failed.answer).toContain('重置');
    });
  });

  it('帮助 lists what the deployment enables: the daily limit, #图片, and admin commands for admins only', async () => {
    await withConnector(
      {
        chatOptions: { imageModels: ['image-model'] },
        replyEnv: { IMAGE_MODEL: 'image-model', ADMIN_USERS: 'help-admin', MAX_REQUESTS_PER_DAY: '30' },
      },
      async (c) => {
        const member = (await chatWith(c, { staffId: 'help-member' })('帮助')).answer;
        expect(member).toContain('`额度`');
        expect(member).toContain('每人每天 30 次');
        expect(member).toContain('`#图片 描述`');
        expect(member).not.toContain('#统计');
        expect(member).not.toContain('#查对话');
        const admin = (await chatWith(c, { staffId: 'help-admin' })('帮助')).answer;
        expect(admin).toContain('`#统计`');
        expect(admin).toContain('`#查对话 staffId或昵称`');
        expect(admin).toContain('只在与我的单聊中可用');
      },
    );
  });

  it('HELP_TEXT replaces the help, PROMPTS_FILE adds and overrides templates (JSON and YAML)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'prompts-'));
    const yamlFile = join(dir, 'prompt.yml');
    await writeFile(
      yamlFile,
      '- title: "#翻译"\n  prefix: "译成法语："\n  suffix: "（完）"\n- title: "#会议纪要"\n  prefix: "整理成会议纪要："\n',
    );
    const jsonFile = join(dir, 'prompts.json');
    await writeFile(jsonFile, JSON.stringify([{ title: '#日报', prefix: '写成日报：', suffix: '' }]));
    try {
      await withConnector(
        { replyEnv: { HELP_TEXT: '自定义帮助\\n第二行', PROMPTS_FILE: yamlFile } },
        async (c) => {
          const ask = chatWith(c, { staffId: 'custom' });
          expect((await ask('帮助')).answer).toBe('自定义帮助\n第二行');
          expect((await ask('#翻译 bonjour')).request.at(-1)?.content).toBe('译成法语：bonjour（完）');
          expect((await ask('#会议纪要 讨论了发布')).request.at(-1)?.content).toBe(
            '整理成会议纪要：讨论了发布',
          );
          const list = (await ask('模板')).answer;
          expect(list).toContain('#会议纪要');
          expect(list).toContain('#周报');
        },
      );
      await withConnector({ replyEnv: { PROMPTS_FILE: jsonFile } }, async (c) => {
        const ask = chatWith(c, { staffId: 'custom-json' });
        expect((await ask('#日报 修了三个 bug')).request.at(-1)?.content).toBe('写成日报：修了三个 bug');
      });
      await withConnector({ replyEnv: { PROMPTS_FILE: join(dir, 'missing.yml') } }, async (c) => {
        const logs = JSON.stringify(await c.replies[0]!.logs());
        expect(logs).toContain('PROMPTS_FILE could not be read');
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
