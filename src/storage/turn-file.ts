import type { Turn } from '../ports';

// The on-disk format is frozen: users' history must keep loading across versions. Never rename these
// fields or the `v`/`type` values: the v2 layout (file-history-store.ts) keeps this record under new names,
// and the v1 files under their 12-digit names are still read; a new record format gets a new `v`, and this
// reader keeps accepting v1.
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

/** Serialises a turn in the v1 layout. */
export function encodeTurn(turn: Turn): string {
  const { msgId, question, answer, at } = turn;
  return JSON.stringify({ v: 1, type: 'turn', msgId, question, answer, at });
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
