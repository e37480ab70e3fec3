import type { BenchConnector, SentMessage } from './bench-connector';
import { expectAnswered, startBenchConnector } from './bench-connector';
import type { VolumePlace } from './bench-volume';
import { percentile, round } from './percentiles';
import type { StorageCountsLine } from './storage-ops';
import { readStorageCounts } from './storage-ops';

/** What the connector adds per message, and the handler durations gb_seconds is computed from. */
export interface OverheadResult {
  overhead: { p50: number; p99: number };
  /** The conversation handler's duration per message (ms). */
  conversationMs: number[];
  /** The reply handler's duration minus the chat API stand-in's time, per message (ms). */
  replyNetMs: number[];
  /** CPU time the reply instance used per message (ms): the stand-ins run in other processes. */
  replyCpuMs: number[];
  /** What each measured message cost on the history volume (its reply's log line). */
  storage: StorageCountsLine[];
}

/**
 * overhead_ms: for each of `count` sequential messages (after `warmup`), from just before the conversation
 * function is invoked to the stand-in's arrival time of the last webhook post, minus the time the chat API
 * stand-in spent (it answers at once, without streaming). Both functions run in their own processes.
 */
export async function measureOverhead(options: {
  count: number;
  warmup: number;
  /** Delays every history-volume operation this long (the reply's HISTORY_VOLUME_LATENCY_MS). */
  storageLatencyMs?: number;
  /** Starts from a volume in use rather than a new deployment's empty one (see startBenchConnector). */
  volumeInUse?: boolean;
  /** Where the history volume is made (in memory unless told otherwise; see bench-volume.ts). */
  volumePlace?: VolumePlace;
}): Promise<OverheadResult> {
  const connector = await startBenchConnector({
    ...(options.storageLatencyMs ? { storageLatencyMs: options.storageLatencyMs } : {}),
    ...(options.volumeInUse ? { volumeInUse: true } : {}),
    ...(options.volumePlace ? { volumePlace: options.volumePlace } : {}),
  });
  try {
    const overheads: number[] = [];
    const conversationMs: number[] = [];
    const replyNetMs: number[] = [];
    const replyCpuMs: number[] = [];
    const measured: string[] = [];
    for (let i = 0; i < options.warmup + options.count; i += 1) {
      // A handful of senders, so most messages carry a full history window, as in a real conversation.
      const sample = await sendOne(connector, `第 ${i} 个问题：今天的进度如何？`, `overhead-user-${i % 5}`);
      if (i < options.warmup) continue;
      measured.push(sample.msgId);
      overheads.push(sample.overheadMs);
      conversationMs.push(sample.conversationMs);
      replyNetMs.push(sample.replyNetMs);
      replyCpuMs.push(sample.replyCpuMs);
    }
    return {
      overhead: { p50: round(percentile(overheads, 50)), p99: round(percentile(overheads, 99)) },
      conversationMs,
      replyNetMs,
      replyCpuMs,
      storage: readStorageCounts(await connector.reply.logs(), measured),
    };
  } finally {
    await connector.stop();
  }
}

async function sendOne(
  connector: BenchConnector,
  text: string,
  staffId: string,
): Promise<{
  msgId: string;
  overheadMs: number;
  conversationMs: number;
  replyNetMs: number;
  replyCpuMs: number;
}> {
  const chatBefore = connector.chat.requests.length;
  const sent: SentMessage = await connector.send(text, staffId);
  await connector.settle();
  expectAnswered(connector, [sent]);
  const lastPost = connector.dingtalk.posts.filter((post) => post.session === sent.session).at(-1);
  const chatMs = connector.chat.requests
    .slice(chatBefore)
    .reduce((sum, request) => sum + (request.durationMs ?? 0), 0);
  const reply = connector.replyResults.get(sent.msgId);
  const replyMs = reply?.durationMs ?? 0;
  if (!lastPost) throw new Error('overhead: the answer never reached the webhook');
  return {
    msgId: sent.msgId,
    overheadMs: lastPost.at - sent.t0 - chatMs,
    conversationMs: sent.conversationMs,
    replyNetMs: replyMs - chatMs,
    replyCpuMs: reply?.cpuMs ?? 0,
  };
}
