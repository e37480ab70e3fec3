import type { SentMessage } from './bench-connector';
import { expectAnswered, startBenchConnector } from './bench-connector';
import { round } from './percentiles';

const MB = 1024 * 1024;
/** Callbacks in flight at once during the burst, as DingTalk delivers a busy group's messages. */
const CONCURRENT_CALLBACKS = 20;
/** The chat stand-in answers after this long, so replies overlap as they would waiting for a real model. */
const CHAT_DELAY_MS = 100;

/** Peak resident memory during a burst, and resident memory right after load, per function (MB). */
export interface MemoryResult {
  peak_rss_mb: { conversation: number; reply: number };
  at_rest_rss_mb: { conversation: number; reply: number };
}

/**
 * peak_rss_mb: a burst of `messages` callbacks, CONCURRENT_CALLBACKS at a time, into one conversation
 * instance; every resulting reply runs in ONE reply process concurrently with the others (FC 3.0 gives each
 * invocation its own instance, so this is the worst case for one process). Peak = the process's maxRSS.
 */
export async function measureMemory(options: { messages: number }): Promise<MemoryResult> {
  const connector = await startBenchConnector();
  try {
    const atRest = {
      conversation: connector.conversation.readyRssBytes,
      reply: connector.reply.readyRssBytes,
    };
    connector.chat.script(
      ...Array.from({ length: options.messages }, () => ({
        kind: 'answer' as const,
        text: longAnswer(),
        delayMs: CHAT_DELAY_MS,
      })),
    );
    const sent: SentMessage[] = [];
    for (let start = 0; start < options.messages; start += CONCURRENT_CALLBACKS) {
      const batch = Array.from({ length: Math.min(CONCURRENT_CALLBACKS, options.messages - start) }, (_, i) =>
        connector.send(`并发消息 ${start + i}`, `burst-user-${(start + i) % 40}`),
      );
      sent.push(...(await Promise.all(batch)));
    }
    await connector.settle();
    expectAnswered(connector, sent);
    // maxRSS never decreases, so the highest report of each process is its peak.
    const conversationPeaks = sent.map((message) => message.conversationMaxRssBytes);
    const replyPeaks = [...connector.replyResults.values()].map((result) => result.maxRssBytes ?? 0);
    return {
      peak_rss_mb: {
        conversation: round(Math.max(connector.conversation.readyMaxRssBytes, ...conversationPeaks) / MB, 1),
        reply: round(Math.max(connector.reply.readyMaxRssBytes, ...replyPeaks) / MB, 1),
      },
      at_rest_rss_mb: {
        conversation: round(atRest.conversation / MB, 1),
        reply: round(atRest.reply / MB, 1),
      },
    };
  } finally {
    await connector.stop();
  }
}

/** An answer of about 1,000 characters, split into no more than one webhook post. */
function longAnswer(): string {
  return '## 回答\n\n'.concat('这是一个用于测量内存的较长回答，包含若干句子。'.repeat(45));
}
