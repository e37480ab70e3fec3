import type { Turn } from '../ports';
import type { CopiedTurn } from './turn-copies';
import { copyKey } from './turn-copies';

// The on-disk format is frozen: users' history must keep loading across versions. Never rename these
// fields or the `v`/`type` values: the v2 layout (file-history-store.ts) keeps this record under new names,
// and the v1 files under their 12-digit names are still read; a new record format gets a new `v`, and this
// reader keeps accepting v1. A turn record may also carry `earlier` (copies of the turns before it,
// turn-copies.ts): every reader takes the fields above and ignores any other, so earlier versions read it too.
const SEQ_DIGITS = 12;
const SEQ_FILE_PATTERN = /^(\d{12})\.json$/;

/** A decoded turn file: a stored exchange or a clear marker. */
export type TurnRecord = { type: 'turn'; turn: Turn } | { type: 'clear'; at: number };

/** The file name of turn number `seq`, e.g. `000000000042.json`. */
export function formatSeqFileName(seq: number): string {
  return `${String(seq).padStart(SEQ_DIGITS, '0')}.json`;
}

/** The turn number in a turn file name, or undefined for any other file. */
export function parseSeqFileName(name: string): number | undefined {
  const digits = SEQ_FILE_PATTERN.exec(name)?.[1];
  return digits === undefined ? undefined : Number(digits);
}

/** Serialises a turn in the v1 layout, with copies of the turns before it when there are any. */
export function encodeTurn(turn: Turn, earlier: readonly CopiedTurn[] = []): string {
  const { msgId, question, answer, at } = turn;
  const record = { v: 1, type: 'turn', msgId, question, answer, at };
  if (earlier.length === 0) return JSON.stringify(record);
  const copies = earlier.map(({ day, name, turn: copy }) => ({
    day,
    name,
    msgId: copy.msgId,
    question: copy.question,
    answer: copy.answer,
    at: copy.at,
  }));
  return JSON.stringify({ ...record, earlier: copies });
}

/** Serialises a clear marker in the v1 layout. */
export function encodeClearMarker(at: number): string {
  return JSON.stringify({ v: 1, type: 'clear', at });
}

/** Validates parsed JSON as a v1 turn record; undefined when it is anything else. */
export function decodeTurnRecord(value: unknown): TurnRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.at !== 'number' || !Number.isFinite(record.at)) return undefined;
  if (record.type === 'clear') return { type: 'clear', at: record.at };
  if (record.type !== 'turn') return undefined;
  const { msgId, question, answer, at } = record;
  if (typeof msgId !== 'string' || typeof question !== 'string' || typeof answer !== 'string')
    return undefined;
  return { type: 'turn', turn: { msgId, question, answer, at } };
}

/** The copies of earlier turns a parsed turn record carries, by copyKey; none when it has none or they are not. */
export function decodeEarlierTurns(record: unknown): Array<[string, Turn]> {
  if (typeof record !== 'object' || record === null) return [];
  const { earlier } = record as { earlier?: unknown };
  if (!Array.isArray(earlier)) return [];
  const copies: Array<[string, Turn]> = [];
  for (const item of earlier as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const { day, name } = item as { day?: unknown; name?: unknown };
    const copy = decodeTurnRecord({ ...item, v: 1, type: 'turn' });
    if (typeof day === 'string' && typeof name === 'string' && copy?.type === 'turn') {
      copies.push([copyKey(day, name), copy.turn]);
    }
  }
  return copies;
}
