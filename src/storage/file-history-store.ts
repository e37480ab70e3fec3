import { basename, join } from 'node:path';
import type { HistoryStore, Logger, Turn } from '../ports';
import { appendSeqEntry } from './append-seq-entry';
import { deleteClearedTurns } from './delete-cleared-turns';
import { findHeadSeq } from './find-head-seq';
import { readJsonFile } from './read-json-file';
import { decodeTurnRecord, encodeClearMarker, encodeTurn, formatSeqFileName } from './turn-file';

// Parallel reads per batch when loading: one round trip on the OSS mount instead of one per turn.
const READ_BATCH = 32;
const SAFE_KEY = /^[A-Za-z0-9_-]{1,128}$/;

/** Options of the file-backed history store. */
export interface FileHistoryStoreOptions {
  /** Root of the (OSS-mounted) volume; turns live under `<dir>/history/<key>/`. */
  dir: string;
  logger: Logger;
}

/**
 * History as one file per turn under `<dir>/history/<key>/<seq>.json`, created exclusively so concurrent
 * writers in separate instances never overwrite each other (rename is not atomic on the OSS mount).
 */
export function createFileHistoryStore(options: FileHistoryStoreOptions): HistoryStore {
  const { logger } = options;
  const keyDirOf = (key: string): string => {
    if (!SAFE_KEY.test(key)) throw new TypeError('history key must be a historyKey() hash');
    return join(options.dir, 'history', key);
  };

  return {
    async load(key, maxTurns) {
      const keyDir = keyDirOf(key);
      if (!(maxTurns >= 1)) return [];
      const head = await findHeadSeq(keyDir, logger);
      return readNewestTurns(keyDir, head, Math.floor(maxTurns), logger);
    },
    async append(key, turn) {
      await appendSeqEntry(keyDirOf(key), encodeTurn(turn), logger);
    },
    async clear(key) {
      const keyDir = keyDirOf(key);
      // The marker takes a turn number like any turn, so it is ordered with concurrent appends.
      const markerSeq = await appendSeqEntry(keyDir, encodeClearMarker(Date.now()), logger);
      await deleteClearedTurns(keyDir, markerSeq, logger);
    },
  };
}

/** Reads downwards from `head` until `maxTurns` turns, a clear marker, a missing file or seq 0; oldest first. */
async function readNewestTurns(
  keyDir: string,
  head: number,
  maxTurns: number,
  logger: Logger,
): Promise<Turn[]> {
  const key = basename(keyDir);
  const turns: Turn[] = [];
  let next = head;
  while (next >= 1 && turns.length < maxTurns) {
    const seqs = Array.from(
      { length: Math.min(maxTurns - turns.length, next, READ_BATCH) },
      (_, i) => next - i,
    );
    const results = await Promise.all(seqs.map((seq) => readJsonFile(join(keyDir, formatSeqFileName(seq)))));
    for (const [index, result] of results.entries()) {
      // Missing: deleted by a clear whose marker is above, so nothing older belongs to this history.
      if (result.status === 'missing') return turns.reverse();
      const record = result.status === 'ok' ? decodeTurnRecord(result.value) : undefined;
      if (record === undefined) {
        logger.warn({ key, file: formatSeqFileName(next - index) }, 'skipping unreadable history turn file');
      } else if (record.type === 'clear') {
        return turns.reverse();
      } else {
        turns.push(record.turn);
        if (turns.length === maxTurns) return turns.reverse();
      }
    }
    next -= seqs.length;
  }
  return turns.reverse();
}
