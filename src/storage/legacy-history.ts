import type { Logger, Turn } from '../ports';
import type { JsonFileResult } from './read-json-file';
import { readJsonFile } from './read-json-file';
import { decodeTurnRecord, formatSeqFileName, parseSeqFileName } from './turn-file';
import type { Volume } from './volume';

// The v1 layout (frozen, read only): `history/<key>/<12-digit seq>.json` turns and clear markers, numbered from
// 1 without gaps, with a head hint `head.json` {"seq":n} that every v1 append raised. A v1 clear deleted the
// turns below its marker from the lowest up, so "n+1 missing while n is present" means n is the newest.
const HEAD_FILE = 'head.json';

/** The v1 head hint from `head.json`; undefined when missing or unusable. */
export function parseHeadHint(result: JsonFileResult): number | undefined {
  if (result.status !== 'ok' || typeof result.value !== 'object' || result.value === null) return undefined;
  const seq = (result.value as { seq?: unknown }).seq;
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 1 ? seq : undefined;
}

/** The v1 turn numbers among a folder's names, ascending. */
export function legacySeqs(names: readonly string[]): number[] {
  return names
    .map((name) => parseSeqFileName(name))
    .filter((seq) => seq !== undefined)
    .sort((a, b) => a - b);
}

/**
 * The newest v1 turns of `keyDir` (at most `maxTurns`, oldest first), stopping at a v1 clear marker or at a
 * turn a v1 clear deleted. Asked only when the v2 records run out: the head hint and the folder's names are
 * read together, so a history without v1 files costs that one round trip.
 */
export async function loadLegacyTurns(
  volume: Volume,
  keyDir: string,
  maxTurns: number,
  logger: Logger,
): Promise<Turn[]> {
  const [hint, names] = await Promise.all([
    readJsonFile(volume, `${keyDir}/${HEAD_FILE}`),
    volume.list(keyDir),
  ]);
  const hinted = parseHeadHint(hint);
  const listed = legacySeqs(names).at(-1);
  if (hinted === undefined && listed === undefined) return [];
  const readDown = (from: number, count: number) =>
    Promise.all(
      Array.from({ length: Math.min(count, from) }, (_, i) =>
        readJsonFile(volume, seqPath(keyDir, from - i)),
      ),
    );
  // The hint is almost always right (no v1 writer is left): read below it while checking it.
  const start = hinted ?? (listed as number);
  const [probed, speculative] = await Promise.all([
    probeForward(volume, keyDir, start),
    readDown(start, maxTurns),
  ]);
  const head = probed ?? (start === listed ? 0 : await findHeadFrom(volume, keyDir, listed));
  const key = keyDir.slice(keyDir.lastIndexOf('/') + 1);
  const turns: Turn[] = [];
  let next = head;
  let batch = head === start ? speculative : undefined;
  while (next >= 1 && turns.length < maxTurns) {
    const wanted = batch ?? (await readDown(next, maxTurns - turns.length));
    batch = undefined;
    for (const [index, result] of wanted.entries()) {
      if (result.status === 'missing') return turns.reverse();
      const record = result.status === 'ok' ? decodeTurnRecord(result.value) : undefined;
      if (record === undefined) {
        logger.warn({ key, file: formatSeqFileName(next - index) }, 'skipping unreadable history turn file');
      } else if (record.type === 'clear') {
        return turns.reverse();
      } else {
        turns.push(record.turn);
      }
    }
    next -= wanted.length;
  }
  return turns.reverse();
}

/** The head from the listing when the hint pointed at a turn that is gone. */
async function findHeadFrom(volume: Volume, keyDir: string, listed: number | undefined): Promise<number> {
  if (listed === undefined) return 0;
  return (await probeForward(volume, keyDir, listed)) ?? listed;
}

/** Gallops up from `from`, then bisects, to the last present turn; undefined when `from` itself is gone. */
async function probeForward(volume: Volume, keyDir: string, from: number): Promise<number | undefined> {
  const present = (seq: number) => volume.exists(seqPath(keyDir, seq));
  const [fromPresent, abovePresent] = await Promise.all([present(from), present(from + 1)]);
  if (!fromPresent) return undefined;
  if (!abovePresent) return from;
  let low = from + 1;
  let high = low + 2;
  for (let step = 2; await present(high); step *= 2) {
    low = high;
    high = low + step * 2;
  }
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (await present(mid)) low = mid;
    else high = mid;
  }
  return low;
}

function seqPath(keyDir: string, seq: number): string {
  return `${keyDir}/${formatSeqFileName(seq)}`;
}
