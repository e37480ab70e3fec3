import { describe, expect, it } from 'vitest';
import { TRUNCATION_NOTICE } from '../../src/chat/truncate-answer';
import { freshMessage } from '../helpers/callbacks';
import { withConnector } from '../helpers/connector';

/** An endless-looking answer: paragraphs with a code block now and then. */
function runaway(chars: number): string {
  const paragraphs: string[] = [];
  let length = 0;
  for (let i = 0; length < chars; i += 1) {
    const paragraph =
      i % 7 === 3
        ? `\`\`\`python\n${Array.from({ length: 20 }, (_, line) => `print("第${i}段第${line}行")`).join('\n')}\n\`\`\``
        : `第${i}段：${'无穷无尽的回答内容，'.repeat(30)}`;
    paragraphs.push(paragraph);
    length += paragraph.length + 2;
  }
  return paragraphs.join('\n\n');
}

describe('MAX_ANSWER_CHARS bounds every answer', () => {
  it('a 1 MB markdown answer arrives as a few posts, cut with a notice, fences balanced, and is stored cut', async () => {
    await withConnector({}, async (c) => {
      const answer = runaway(1_000_000);
      c.chat.script({ kind: 'answer', text: answer });
      const webhook = c.dingtalk.newSessionWebhook();
      await c.send(freshMessage({ webhook, text: '写一本书', staffId: 'reader' }));
      await c.settle();
      const texts = c.dingtalk.posts.map((post) => String(post.body.markdown.text));
      expect(texts.length).toBeGreaterThan(1);
      expect(texts.length).toBeLessThanOrEqual(7);
      const whole = texts.join('');
      expect(whole.length).toBeLessThanOrEqual(20_000);
      expect(texts.at(-1)?.endsWith(TRUNCATION_NOTICE)).toBe(true);
      for (const text of texts) expect((text.match(/^```/gm) ?? []).length % 2).toBe(0);

      await c.send(freshMessage({ webhook, text: '继续', staffId: 'reader' }));
      await c.settle();
      const context = c.chat.requests.at(-1)?.messages ?? [];
      const stored = context.find((message) => message.role === 'assistant')?.content ?? '';
      expect(stored.length).toBeLessThanOrEqual(20_000);
      expect(stored.endsWith(TRUNCATION_NOTICE)).toBe(true);
      expect(answer.startsWith(stored.slice(0, 1000))).toBe(true);
    });
  });

  it('a streamed card answer is stopped at the limit: the request is aborted, the cards and calls stay bounded, the rest follows as markdown', async () => {
    await withConnector(
      { cards: true, replyEnv: { MAX_ANSWER_CHARS: '9000', CARD_UPDATE_MS: '100' } },
      async (c) => {
        c.chat.script({ kind: 'stream', text: runaway(300_000), charsPerToken: 40, tokensPerSecond: 400 });
        await c.send(
          freshMessage({ webhook: c.dingtalk.newSessionWebhook(), text: '写一本书', staffId: 'carder' }),
        );
        await c.settle();
        expect(c.chat.requests.at(-1)?.aborted).toBe(true);
        const cards = [...c.dingtalk.cards.values()];
        expect(cards).toHaveLength(3);
        for (const card of cards) expect(card.finalized).toBe(true);
        expect(cards.at(-1)?.content.endsWith('（接下一条消息）')).toBe(true);
        const openApi = c.dingtalk.calls.filter((call) => call.path.startsWith('/v1.0/'));
        expect(openApi.length).toBeLessThanOrEqual(20);
        // The rest goes through the session webhook, ending with the notice; no paragraph is shown twice.
        const posted = c.dingtalk.posts.map((post) => String(post.body.markdown.text)).join('\n');
        expect(posted.endsWith(TRUNCATION_NOTICE)).toBe(true);
        const everything = `${cards.map((card) => card.content).join('\n')}\n${posted}`;
        expect(everything.length).toBeLessThanOrEqual(9_000 + 200);
        const heads = everything.match(/第\d+段：/g) ?? [];
        expect(new Set(heads).size).toBe(heads.length);
        expect(heads.length).toBeGreaterThan(20);
      },
    );
  });

  it('MAX_ANSWER_TOKENS is sent as the completion limit, and nothing is sent without it', async () => {
    await withConnector({ replyEnv: { MAX_ANSWER_TOKENS: '256' } }, async (c) => {
      await c.send(
        freshMessage({ webhook: c.dingtalk.newSessionWebhook(), text: '短一点', staffId: 'short' }),
      );
      await c.settle();
      expect(c.chat.requests.at(-1)?.maxTokens).toBe(256);
    });
    await withConnector({}, async (c) => {
      await c.send(freshMessage({ webhook: c.dingtalk.newSessionWebhook(), text: '不限', staffId: 'free' }));
      await c.settle();
      expect(c.chat.requests.at(-1)?.maxTokens).toBeUndefined();
    });
  });
});
