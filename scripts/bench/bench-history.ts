import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLogger } from '../../src/logger';
import { formatEntryName, messageEntryId } from '../../src/storage/day-entry-name';
import { createFileHistoryStore } from '../../src/storage/file-history-store';
import { historyKey } from '../../src/storage/history-key';
import { createHistoryMemory } from '../../src/storage/history-memory';
import { formatUtcDay } from '../../src/storage/local-day';
import { createNodeVolume } from '../../src/storage/node-volume';
import { encodeTurn } from '../../src/storage/turn-file';
import { median, round } from './percentiles';

/** HISTORY_LENGTH's default (reply-config.ts, s.yaml): the window a message loads. */
const WINDOW = 5;
/** A busy sender: one turn every five minutes, day and night (100,000 turns ≈ 347 days). */
const TURN_EVERY_MS = 5 * 60_000;

/** Load+save time (ms, median) for one message, by how many turns the sender already has stored. */
export type HistoryResult = Record<`turns_${number}`, number>;

/**
 * history_ms: for each size, one sender's history with that many real turn files in the store's own layout
 * (day folders, a turn every five minutes up to now), then `load(key, WINDOW)` + `append(turn)` timed for one
 * message, median of `repetitions`, by one store with the instance memory reply gives its stores. The files are
 * on the local disk (page cache warm), not an OSS mount: this shows how the cost scales.
 */
export async function measureHistory(options: {
  sizes: number[];
  repetitions: number;
}): Promise<HistoryResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-turns-'));
  try {
    const now = Date.now();
    // The store as reply builds it, with the instance's memory of the histories it saw (each size's first
    // repetition runs without).
    const store = createFileHistoryStore({
      volume: createNodeVolume(dir),
      logger: createLogger({ level: 'silent', fn: 'bench' }),
      memory: createHistoryMemory(),
    });
    const keys = options.sizes.map((size) => {
      const key = historyKey(['bench-conversation', `sender-with-${size}-turns`]);
      writeTurns(join(dir, 'history', key), size, now);
      return { size, key, samples: [] as number[] };
    });
    // Interleaved, so the disk still writing back the big histories slows every size alike.
    for (let i = 0; i < options.repetitions; i += 1) {
      for (const entry of keys) {
        const started = performance.now();
        const turns = await store.load(entry.key, WINDOW);
        await store.append(entry.key, turn(entry.size + i + 1, Date.now()));
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

/** Writes turns 1..count, the newest now, directly: the store would take minutes for 100,000. */
function writeTurns(keyDir: string, count: number, now: number): void {
  const made = new Set<string>();
  for (let n = 1; n <= count; n += 1) {
    const stored = turn(n, now - (count - n) * TURN_EVERY_MS);
    const dayDir = join(keyDir, 'days', formatUtcDay(stored.at));
    if (!made.has(dayDir)) mkdirSync(dayDir, { recursive: true });
    made.add(dayDir);
    writeFileSync(
      join(dayDir, formatEntryName(stored.at, messageEntryId(stored.msgId), '.json')),
      encodeTurn(stored),
    );
  }
}

function turn(n: number, at: number) {
  return {
    msgId: `msgbench${n}`,
    question: `第 ${n} 个问题：这个功能怎么用？`,
    answer: `第 ${n} 个回答：`.concat('按照文档中的步骤操作即可。'.repeat(20)),
    at,
  };
}
