import type { BenchConnector } from './bench-connector';
import { expectAnswered, startBenchConnector } from './bench-connector';
import { round } from './percentiles';

/** The scripted model of the first_visible measurement. */
export interface ScriptedModel {
  firstTokenMs: number;
  tokensPerSecond: number;
  charsPerToken: number;
  tokens: number;
}

/** The model the issue describes: first token after 300 ms, then 40 tokens/s, 400 tokens of 4 characters. */
export const ISSUE_MODEL: ScriptedModel = {
  firstTokenMs: 300,
  tokensPerSecond: 40,
  charsPerToken: 4,
  tokens: 400,
};

/** Time until the user first sees answer text (ms), with AI cards (stream) and without (plain). */
export interface FirstVisibleResult {
  stream: number;
  plain: number;
}

/**
 * first_visible_ms: from invoking conversation to the first card update with text (cards on), or to the first
 * webhook post (cards off, the answer arrives whole). Each connector answers one short message first, so the
 * measured one meets a warm instance (connections open, access token cached), as most messages do.
 */
export async function measureFirstVisible(model: ScriptedModel): Promise<FirstVisibleResult> {
  return {
    stream: await measureOnce(model, true),
    plain: await measureOnce(model, false),
  };
}

async function measureOnce(model: ScriptedModel, cards: boolean): Promise<number> {
  const connector = await startBenchConnector({ cards });
  try {
    await answer(connector, { ...model, tokens: 4, firstTokenMs: 0 }, 'warm-up');
    const sent = await answer(connector, model, 'measured');
    if (cards) {
      const card = [...connector.dingtalk.cards.values()].at(-1);
      const first = card?.history.find((entry) => entry.content.length > 0);
      if (!first) throw new Error('first_visible: no card update carried text');
      return round(first.at - sent.t0);
    }
    const post = connector.dingtalk.posts.find((candidate) => candidate.session === sent.session);
    if (!post) throw new Error('first_visible: the answer never reached the webhook');
    return round(post.at - sent.t0);
  } finally {
    await connector.stop();
  }
}

async function answer(connector: BenchConnector, model: ScriptedModel, staffId: string) {
  const text = scriptedAnswer(model.tokens * model.charsPerToken);
  connector.chat.script({
    kind: 'stream',
    text,
    firstTokenMs: model.firstTokenMs,
    tokensPerSecond: model.tokensPerSecond,
    charsPerToken: model.charsPerToken,
  });
  const sent = await connector.send('请写一段较长的说明。', `first-visible-${staffId}`);
  await connector.settle();
  expectAnswered(connector, [sent]);
  return sent;
}

/** Markdown-ish answer text of exactly `chars` characters. */
function scriptedAnswer(chars: number): string {
  const line = '第一步，检查配置；第二步，运行测试；第三步，发布版本。\n';
  return line.repeat(Math.ceil(chars / line.length)).slice(0, chars);
}
