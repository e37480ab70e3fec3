import type { BenchConnector } from './bench-connector';
import { expectAnswered, startBenchConnector } from './bench-connector';

/** Requests DingTalk receives per answered direct message. */
export interface CallsResult {
  /** Cards off: every request DingTalk received (the webhook post counts). */
  plain: number;
  /** Cards on, access token already cached: OpenAPI calls for one ~1,000-character answer streamed over ~2 s. */
  card: number;
  /** The same answer from an instance with no cached token: the token fetch included. */
  card_cold_token: number;
  /** A MAX_ANSWER_CHARS (20,000-character) answer, token cached: three cards, the rest through the webhook. */
  card_20000: number;
}

/** The ~1,000-character answer, streamed over about 2 s (250 tokens of 4 characters at 125 tokens/s). */
const CARD_ANSWER = { chars: 1000, charsPerToken: 4, tokensPerSecond: 125 };
/** The longest answer MAX_ANSWER_CHARS lets through, streamed over about 5 s. */
const LONGEST_ANSWER = { chars: 20_000, charsPerToken: 8, tokensPerSecond: 500 };

/** dingtalk_calls_per_answer: counted from the DingTalk stand-in's request log around one answered message. */
export async function measureCalls(): Promise<CallsResult> {
  const plain = await startBenchConnector();
  let plainCalls: number;
  try {
    await countCalls(plain, 'plain-warm-up');
    plainCalls = (await countCalls(plain, 'plain')).all;
  } finally {
    await plain.stop();
  }
  // A fresh instance and history volume: no token in memory or in the shared token cache file.
  const cards = await startBenchConnector({ cards: true });
  try {
    const cold = await countCalls(cards, 'card-cold');
    const warm = await countCalls(cards, 'card-warm');
    if (cold.webhook + warm.webhook > 0) throw new Error('calls: a card answer fell back to the webhook');
    const longest = await countCalls(cards, 'card-longest', LONGEST_ANSWER);
    return {
      plain: plainCalls,
      card: warm.openApi,
      card_cold_token: cold.openApi,
      card_20000: longest.openApi,
    };
  } finally {
    await cards.stop();
  }
}

async function countCalls(
  connector: BenchConnector,
  staffId: string,
  answer = CARD_ANSWER,
): Promise<{ all: number; openApi: number; webhook: number }> {
  const sentence = '这是卡片里流式显示的回答，每一句都逐字出现。\n\n';
  const text = sentence.repeat(Math.ceil(answer.chars / sentence.length)).slice(0, answer.chars);
  connector.chat.script({
    kind: 'stream',
    text,
    charsPerToken: answer.charsPerToken,
    tokensPerSecond: answer.tokensPerSecond,
  });
  const before = connector.dingtalk.calls.length;
  const sent = await connector.send('请详细介绍一下发布流程。', `calls-${staffId}`);
  await connector.settle();
  expectAnswered(connector, [sent]);
  const calls = connector.dingtalk.calls.slice(before);
  return {
    all: calls.length,
    openApi: calls.filter((call) => call.path.startsWith('/v1.0/')).length,
    webhook: calls.filter((call) => call.path === '/robot/sendBySession').length,
  };
}
