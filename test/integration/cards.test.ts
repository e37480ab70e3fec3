import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatedCard } from '../../scripts/emulators/dingtalk-api';
import { freshMessage } from '../helpers/callbacks';
import type { Connector } from '../helpers/connector';
import { startConnector, withConnector } from '../helpers/connector';

const BUILT_IN = '382e4302-551d-4880-bf29-a30acfab2e71.schema';
let c: Connector;

beforeAll(async () => {
  // Only the app key and secret: the built-in AI card is the default.
  c = await startConnector({ cards: true, replyEnv: { LLM_TIMEOUT: '6' }, replyInstances: 2 });
});
afterAll(() => c.stop());

/** About 1,000 characters of markdown, as a model would write it. */
function answerText(): string {
  const lines = ['## 发布计划', ''];
  for (let i = 1; i <= 30; i += 1) lines.push(`${i}. 第${i}项：检查配置、运行测试、更新文档。`);
  lines.push('', '```bash', 'npm test && npm run deploy', '```', '', '以上就是明天的安排。');
  return lines.join('\n');
}

/** Sends one message and returns the cards it produced and the OpenAPI calls it cost. */
async function ask(text: string, options: { group?: boolean; staffId?: string } = {}) {
  const webhook = c.dingtalk.newSessionWebhook();
  const session = new URL(webhook).searchParams.get('session');
  const cardsBefore = new Set(c.dingtalk.cards.keys());
  const callsBefore = c.dingtalk.calls.length;
  const postsBefore = c.dingtalk.posts.length;
  const chatBefore = c.chat.requests.length;
  const message = freshMessage({
    webhook,
    text,
    group: options.group ?? false,
    staffId: options.staffId ?? 'card-user',
  });
  expect((await c.send(message)).statusCode).toBe(200);
  await c.settle();
  const cards = [...c.dingtalk.cards.values()].filter((card) => !cardsBefore.has(card.outTrackId));
  const openApiCalls = c.dingtalk.calls.slice(callsBefore).filter((call) => call.path.startsWith('/v1.0/'));
  const posts = c.dingtalk.posts.slice(postsBefore).filter((post) => post.session === session);
  return { message, cards, openApiCalls, posts, chatRequest: c.chat.requests[chatBefore] };
}

function expectFinished(card: EmulatedCard | undefined): void {
  expect(card?.finalized).toBe(true);
  expect(card?.flowStatus).toBe('3');
}

/** Ended by an error: DingTalk's own card SDK marks that FAILED ("5"), not FINISHED. */
function expectFailed(card: EmulatedCard | undefined): void {
  expect(card?.finalized).toBe(true);
  expect(card?.error).toBe(true);
  expect(card?.flowStatus).toBe('5');
}

describe("answers stream into DingTalk's built-in AI card by default", () => {
  it('a direct chat: first text within 400 ms of the first token, growing updates, final content exactly the answer, within 12 calls', async () => {
    const text = answerText();
    expect(text.length).toBeGreaterThan(500);
    c.chat.script({ kind: 'stream', text, firstTokenMs: 300, tokensPerSecond: 130, charsPerToken: 4 });
    const { cards, openApiCalls, posts, chatRequest } = await ask('明天的发布计划是什么？');

    expect(cards).toHaveLength(1);
    const card = cards[0];
    expect(card?.templateId).toBe(BUILT_IN);
    expect(card?.params).toMatchObject({ msgContent: text, staticMsgContent: '', msgTitle: '' });
    expect(card?.openSpaceId).toBe('dtv1.card//IM_ROBOT.card-user');
    expectFinished(card);
    expect(card?.error).toBe(false);
    expect(card?.content).toBe(text);

    const history = card?.history ?? [];
    const firstText = history.find((entry) => entry.content.length > 0);
    expect(firstText).toBeDefined();
    expect((firstText?.at ?? 0) - ((chatRequest?.at ?? 0) + 300)).toBeLessThan(400);
    for (let i = 1; i < history.length; i += 1) {
      expect(history[i]?.content.startsWith(history[i - 1]?.content ?? '')).toBe(true);
    }
    expect(history.at(-1)?.content).toBe(text);
    expect(history.length).toBeGreaterThan(2);

    expect(openApiCalls.length).toBeLessThanOrEqual(12);
    expect(posts).toHaveLength(0);
  });

  it('stores the streamed answer as the turn: the next question carries it', async () => {
    c.chat.script({ kind: 'stream', text: '卡片里的回答', firstTokenMs: 50 });
    await ask('第一问', { staffId: 'card-history' });
    c.chat.script({ kind: 'stream', text: '第二个回答', firstTokenMs: 50 });
    await ask('第二问', { staffId: 'card-history' });
    expect(c.chat.requests.at(-1)?.messages.map((m) => m.content)).toEqual([
      '第一问',
      '卡片里的回答',
      '第二问',
    ]);
  });

  it('a group card goes to IM_GROUP and @-mentions the sender', async () => {
    c.chat.script({ kind: 'stream', text: '群里的卡片回答', firstTokenMs: 20 });
    const { cards, message } = await ask('群里提问', { group: true, staffId: 'card-group-user' });
    expect(cards).toHaveLength(1);
    expect(cards[0]?.openSpaceId).toBe(`dtv1.card//IM_GROUP.${String(message.conversationId)}`);
    expectFinished(cards[0]);
    expect(cards[0]?.content).toBe('群里的卡片回答');
  });

  it('an error mid-answer finalizes the card with the text so far and the notice, and stores nothing', async () => {
    c.chat.script({
      kind: 'stream',
      text: '这个回答会中途断掉'.repeat(20),
      tokensPerSecond: 100,
      failAfterChars: 60,
    });
    const { cards, posts } = await ask('会出错的问题', { staffId: 'card-error' });
    expect(cards).toHaveLength(1);
    expectFailed(cards[0]);
    expect(cards[0]?.content).toContain('这个回答会中途断掉');
    expect(cards[0]?.content).toContain('稍后再试');
    expect(posts).toHaveLength(0);
    c.chat.script({ kind: 'stream', text: '新的回答' });
    await ask('下一问', { staffId: 'card-error' });
    expect(c.chat.requests.at(-1)?.messages).toEqual([{ role: 'user', content: '下一问' }]);
  });

  it('a timeout finalizes the card too, so it is never left loading', async () => {
    c.chat.script({ kind: 'hang' });
    const { cards } = await ask('永远等不到的回答', { staffId: 'card-timeout' });
    expect(cards).toHaveLength(1);
    expectFailed(cards[0]);
    expect(cards[0]?.content).toContain('超时');
  });

  it('a long answer fills three cards, then the rest follows through the session webhook: nothing lost or shown twice, at most 20 calls', async () => {
    const paragraphs = Array.from(
      { length: 40 },
      (_, i) => `第${i}段：${'流式卡片的长回答需要拆分。'.repeat(12)}`,
    );
    const text = `${paragraphs.slice(0, 20).join('\n\n')}\n\n\`\`\`python\n${'print("代码块跨越卡片")\n'.repeat(60)}\`\`\`\n\n${paragraphs.slice(20).join('\n\n')}`;
    c.chat.script({ kind: 'stream', text, tokensPerSecond: 2000, charsPerToken: 8 });
    const { cards, posts, openApiCalls } = await ask('来个很长的回答', { staffId: 'card-long' });
    expect(cards).toHaveLength(3);
    for (const card of cards) {
      expectFinished(card);
      expect((card.content.match(/^```/gm) ?? []).length % 2).toBe(0);
    }
    expect(cards.at(-1)?.content.endsWith('（接下一条消息）')).toBe(true);
    expect(posts.length).toBeGreaterThan(0);
    const shown = [...cards.map((card) => card.content), ...posts.map((post) => post.body.markdown.text)];
    const all = shown.join('\n');
    for (const paragraph of paragraphs) expect(all.split(paragraph)).toHaveLength(2);
    expect(all).toContain('print("代码块跨越卡片")');
    expect(openApiCalls.length).toBeLessThanOrEqual(20);
  });

  it('commands still answer as markdown through the webhook', async () => {
    const { cards, posts } = await ask('帮助', { staffId: 'card-command' });
    expect(cards).toHaveLength(0);
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body.markdown.text).toContain('| 指令 |');
  });

  it('a redelivery makes no second card', async () => {
    c.chat.script({ kind: 'stream', text: '只回答一次' });
    await ask('重复投递的卡片', { staffId: 'card-dedupe' });
    const invocation = c.fc.invocations.at(-1);
    const before = c.dingtalk.cards.size;
    expect((await c.redeliver(invocation!)).result).toEqual({ outcome: 'duplicate' });
    expect(c.dingtalk.cards.size).toBe(before);
  });
});

describe('when cards are off or cannot be used', () => {
  it('DINGTALK_CARD_TEMPLATE_ID=off answers as markdown even with an app key, with no OpenAPI call', async () => {
    await withConnector({ replyEnv: { DINGTALK_CARD_TEMPLATE_ID: 'off' } }, async (fresh) => {
      fresh.chat.script({ kind: 'stream', text: '关掉卡片后的回答' });
      await fresh.send(freshMessage({ webhook: fresh.dingtalk.newSessionWebhook(), text: '卡片关闭' }));
      await fresh.settle();
      expect(fresh.dingtalk.cards.size).toBe(0);
      expect(fresh.dingtalk.calls.filter((call) => call.path.startsWith('/v1.0/'))).toHaveLength(0);
      expect(fresh.dingtalk.posts.map((post) => post.body.markdown.text)).toEqual(['关掉卡片后的回答']);
    });
  });

  it('a custom template keeps working with DINGTALK_CARD_CONTENT_KEY, ~1,000 characters over 6 s within 12 calls', async () => {
    await withConnector(
      {
        cards: true,
        replyEnv: {
          DINGTALK_CARD_TEMPLATE_ID: 'my-answer-card.schema',
          DINGTALK_CARD_CONTENT_KEY: 'answer',
          LLM_TIMEOUT: '15',
        },
      },
      async (fresh) => {
        const text = answerText();
        // The model: first token after 300 ms, then 40 tokens/s of 4 characters.
        fresh.chat.script({ kind: 'stream', text, firstTokenMs: 300, tokensPerSecond: 40, charsPerToken: 4 });
        await fresh.send(freshMessage({ webhook: fresh.dingtalk.newSessionWebhook(), text: '自定义模板' }));
        await fresh.settle();
        const [card] = [...fresh.dingtalk.cards.values()];
        expect(card).toMatchObject({
          templateId: 'my-answer-card.schema',
          params: { answer: text, flowStatus: '3' },
          finalized: true,
        });
        expect(card?.history.filter((entry) => !entry.isFinalize).length).toBeGreaterThan(3);
        expect(fresh.dingtalk.posts).toHaveLength(0);
        expect(
          fresh.dingtalk.calls.filter((call) => call.path.startsWith('/v1.0/')).length,
        ).toBeLessThanOrEqual(12);
      },
    );
  });

  it.each([
    [403, 'Card.Instance.Write'],
    ['quota', 'Forbidden.AccessDenied.ApiCountLimitForOrg'],
  ] as const)(
    'card creation refused (%s) falls back to markdown for a cool-down, said once with the code',
    async (kind, hint) => {
      // Its own connector: after such a refusal an instance stops trying cards for a while.
      await withConnector({ cards: true }, async (fresh) => {
        fresh.dingtalk.failCards(kind, 1, { api: 'create', scope: 'Card.Instance.Write' });
        for (const text of ['回落到 Markdown 的回答', '冷却期内的回答']) {
          fresh.chat.script({ kind: 'stream', text });
          const webhook = fresh.dingtalk.newSessionWebhook();
          await fresh.send(freshMessage({ webhook, text: `卡片失败 ${kind}`, staffId: 'card-fallback' }));
          await fresh.settle();
        }
        expect([...fresh.dingtalk.cards.values()].filter((card) => card.delivered)).toHaveLength(0);
        expect(fresh.dingtalk.posts.map((post) => post.body.markdown.text)).toEqual([
          '回落到 Markdown 的回答',
          '冷却期内的回答',
        ]);
        // The second answer spent no card call.
        const cardCalls = fresh.dingtalk.calls.filter((call) => call.path.startsWith('/v1.0/card/'));
        expect(cardCalls).toHaveLength(1);
        const lines = await fresh.replies[0]!.logs();
        const warned = lines.filter((line) => String(line.msg).startsWith('AI cards off'));
        expect(warned).toHaveLength(1);
        expect(JSON.stringify(warned[0])).toContain(hint);
      });
    },
  );
});
