import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from '../ports';
import { errorCodeOf, hasErrorCode } from './has-error-code';
import { pathExists, writeFileNoFollow } from './no-follow-file';
import { readJsonFile } from './read-json-file';
import { formatSeqFileName, parseSeqFileName } from './turn-file';

const HINT_FILE = 'head.json';

/** Whether turn file `seq` exists in `keyDir`. */
export async function hasSeqFile(keyDir: string, seq: number): Promise<boolean> {
  return pathExists(join(keyDir, formatSeqFileName(seq)));
}

/** Overwrites the head hint; a failure only costs later readers a few probes, so it is logged, not thrown. */
export async function writeHeadHint(keyDir: string, seq: number, logger: Logger): Promise<void> {
  try {
    await writeFileNoFollow(join(keyDir, HINT_FILE), JSON.stringify({ seq }));
  } catch (error) {
    logger.warn({ key: basename(keyDir), code: errorCodeOf(error) }, 'could not write history head hint');
  }
}

/**
 * Writes the hint only if it raises it. An append that loses the CPU for long can finish far below the head
 * (even below a clear that ran meanwhile, whose deletions left a gap under it); a hint moved back down there
 * would stop the forward probe at that gap, short of the real head.
 */
export async function raiseHeadHint(keyDir: string, seq: number, logger: Logger): Promise<void> {
  const current = await readHeadHint(keyDir);
  if (current !== undefined && current >= seq) return;
  await writeHeadHint(keyDir, seq, logger);
}

/**
 * The highest turn number in `keyDir` (0 for a new key): probes forward from the head hint, so the cost
 * does not grow with the number of stored turns. Lists the directory only when the hint is unusable.
 */
export async function findHeadSeq(keyDir: string, logger: Logger): Promise<number> {
  const hint = await readHeadHint(keyDir);
  if (hint !== undefined) {
    const head = await probeForward(keyDir, hint);
    if (head !== undefined) return head;
  }
  const listed = await listMaxSeq(keyDir);
  if (listed === 0) return 0;
  const head = (await probeForward(keyDir, listed)) ?? listed;
  const reason = hint === undefined ? 'missing or unreadable' : 'inside cleared turns';
  logger.warn(
    { key: basename(keyDir), seq: head },
    `history head hint ${reason}; rebuilt from a directory listing`,
  );
  await writeHeadHint(keyDir, head, logger);
  return head;
}

async function readHeadHint(keyDir: string): Promise<number | undefined> {
  const result = await readJsonFile(join(keyDir, HINT_FILE));
  if (result.status !== 'ok' || typeof result.value !== 'object' || result.value === null) return undefined;
  const seq = (result.value as { seq?: unknown }).seq;
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 1 ? seq : undefined;
}

/**
 * Gallops up from `from`, then bisects, to the last present turn; undefined when `from` lies in a range a
 * clear has deleted. Turn numbers are contiguous and clears delete them in ascending order, so "n+1 was
 * missing, and n is still present afterwards" proves n+1 was never written rather than deleted.
 */
async function probeForward(keyDir: string, from: number): Promise<number | undefined> {
  let low = from;
  let high = from + 1;
  for (let step = 1; await hasSeqFile(keyDir, high); step *= 2) {
    low = high;
    high = low + step * 2;
  }
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (await hasSeqFile(keyDir, mid)) low = mid;
    else high = mid;
  }
  if (low > 0 && !(await hasSeqFile(keyDir, low))) return undefined;
  return low;
}

async function listMaxSeq(keyDir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(keyDir);
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return 0;
    throw error;
  }
  let max = 0;
  for (const name of names) max = Math.max(max, parseSeqFileName(name) ?? 0);
  return max;
}
