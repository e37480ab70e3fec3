import { readdir, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from '../ports';
import { hasSeqFile } from './find-head-seq';
import { errorCodeOf, hasErrorCode } from './has-error-code';
import { formatSeqFileName, parseSeqFileName } from './turn-file';

// Bounds one clear's work (each step is an OSS request on the mount); files left behind stay hidden by
// the marker and later clears continue from the bottom.
const MAX_DELETES = 1000;
const STAT_BATCH = 32;

/**
 * Best-effort removal of the turn files below clear marker `markerSeq`; never throws. Deletes strictly
 * upwards from the lowest surviving file, one at a time, because readers rely on a gap never opening
 * above a surviving turn (see probeForward in find-head-seq.ts).
 */
export async function deleteClearedTurns(keyDir: string, markerSeq: number, logger: Logger): Promise<void> {
  const key = basename(keyDir);
  try {
    const lowest = (await walkDownToLowest(keyDir, markerSeq)) ?? (await listLowestSeq(keyDir, markerSeq));
    const end = Math.min(markerSeq, lowest + MAX_DELETES);
    for (let seq = lowest; seq < end; seq += 1) {
      try {
        await unlink(join(keyDir, formatSeqFileName(seq)));
      } catch (error) {
        if (hasErrorCode(error, 'ENOENT')) continue;
        logger.warn(
          { key, file: formatSeqFileName(seq), code: errorCodeOf(error) },
          'could not delete cleared turn',
        );
        return;
      }
    }
    if (end < markerSeq)
      logger.info({ key, left: markerSeq - end }, 'cleared turn files left for a later clear');
  } catch (error) {
    logger.warn({ key, code: errorCodeOf(error) }, 'could not delete cleared turns');
  }
}

/** The lowest seq of the contiguous run of files just below `markerSeq`; undefined past MAX_DELETES. */
async function walkDownToLowest(keyDir: string, markerSeq: number): Promise<number | undefined> {
  let lowest = markerSeq;
  while (lowest > 1) {
    if (markerSeq - lowest >= MAX_DELETES) return undefined;
    const seqs = Array.from({ length: Math.min(STAT_BATCH, lowest - 1) }, (_, i) => lowest - 1 - i);
    const present = await Promise.all(seqs.map((seq) => hasSeqFile(keyDir, seq)));
    const gap = present.indexOf(false);
    lowest -= gap === -1 ? seqs.length : gap;
    if (gap !== -1) break;
  }
  return lowest;
}

/** The lowest turn file number in a listing (turn files are contiguous, so that is the bottom). */
async function listLowestSeq(keyDir: string, markerSeq: number): Promise<number> {
  let lowest = markerSeq;
  for (const name of await readdir(keyDir)) lowest = Math.min(lowest, parseSeqFileName(name) ?? lowest);
  return lowest;
}
