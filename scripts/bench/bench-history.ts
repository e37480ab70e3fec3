import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLogger } from '../../src/logger';
import { createFileHistoryStore } from '../../src/storage/file-history-store';
import { historyKey } from '../../src/storage/history-key';
import { encodeTurn, formatSeqFileName } from '../../src/storage/turn-file';
import { median, round } from './percentiles';

/** HISTORY_LENGTH's default (reply-config.ts, s.yaml): the window a message loads. */
const WINDOW = 5;

/** Load+save time (ms, median) for one message, by how many turns the sender already has stored. */
export type HistoryResult = Record<`turns_${number}`, number>;

/**
 * history_ms: for each size, one sender's history with that many real turn files (the store's own v1 format
 * and head hint), then `load(key, WINDOW)` + `append(turn)` timed for one message, median of `repetitions`.
 * The files are on the local disk (page cache warm), not an OSS mount: this shows how the cost scales.
 */
export async function measureHistory(options: {
  sizes: number[];
  repetitions: number;
}): Promise<HistoryResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-turns-'));
  try {
    const store = createFileHistoryStore({ dir, logger: createLogger({ level: 'silent', fn: 'bench' }) });
    const keys = options.sizes.map((size) => {
      const key = historyKey(['bench-conversation', `sender-with-${size}-turns`]);
      writeTurns(join(dir, 'history', key), size);
      return { size, key, samples: [] as number[] };
    });
    // Interleaved, so the disk still writing back the big histories slows every size alike.
    for (let i = 0; i < options.repetitions; i += 1) {
      for (const entry of keys) {
        const started = performance.now();
        const turns = await store.load(entry.key, WINDOW);
        await store.append(entry.key, turn(entry.size + i + 1));
        entry.samples.push(performance.now() - started);
        if (turns.length !== Math.min(WINDOW, entry.size + i)) {
          throw new Error(`history: loaded ${turns.length} turns`);
        }
      }
    }
    return Object.fromEntries(keys.map((entry) => [`turns_${entry.size}`, round(median(entry.samples), 3)]));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes turns 1..count and the head hint the store keeps, directly: the store would take minutes for 100,000. */
function writeTurns(keyDir: string, count: number): void {
  mkdirSync(keyDir, { recursive: true });
  for (let seq = 1; seq <= count; seq += 1) {
    writeFileSync(join(keyDir, formatSeqFileName(seq)), encodeTurn(turn(seq)));
  }
  // The hint file of find-head-seq.ts; a missing one would only cost a directory listing once.
  writeFileSync(join(keyDir, 'head.json'), JSON.stringify({ seq: count }));
}

function turn(seq: number) {
  return {
    msgId: `msgbench${seq}`,
    question: `第 ${seq} 个问题：这个功能怎么用？`,
    answer: `第 ${seq} 个回答：`.concat('按照文档中的步骤操作即可。'.repeat(20)),
    at: 1_700_000_000_000 + seq * 60_000,
  };
}
