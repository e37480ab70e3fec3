import type { Turn } from '../ports';
import type { JsonFileResult } from './read-json-file';
import { decodeTurnRecord } from './turn-file';

// `history/<key>/recent.json`: a copy of the newest turns, rewritten with each answer, so the next question reads
// one file instead of one per turn. Only a copy: which turns make the history is still decided by the day
// listings, and a turn is taken from the copy only when its record is listed under the same day and name.
// Concurrent writers may replace each other's copy (last upload wins); what it lacks is read from the turn files.
export const RECENT_COPY_FILE = 'recent.json';
/** Bounds the file rewritten on every answer. */
export const MAX_COPIED_TURNS = 50;

/** A turn with the day folder and name of its record. */
export interface CopiedTurn {
  day: string;
  name: string;
  turn: Turn;
}

/** The copy's text: the newest MAX_COPIED_TURNS of `entries` (oldest first). */
export function encodeRecentCopy(entries: readonly CopiedTurn[]): string {
  const kept = entries.slice(-MAX_COPIED_TURNS);
  return JSON.stringify({
    v: 1,
    type: 'recent',
    turns: kept.map(({ day, name, turn }) => ({ day, name, ...turn })),
  });
}

/** The copied turns by `<day>/<name>`; empty when the copy is missing, torn or not one. */
export function decodeRecentCopy(result: JsonFileResult): Map<string, Turn> {
  const copied = new Map<string, Turn>();
  if (result.status !== 'ok' || typeof result.value !== 'object' || result.value === null) return copied;
  const { type, turns } = result.value as { type?: unknown; turns?: unknown };
  if (type !== 'recent' || !Array.isArray(turns)) return copied;
  for (const item of turns as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const { day, name } = item as { day?: unknown; name?: unknown };
    const record = decodeTurnRecord({ ...item, v: 1, type: 'turn' });
    if (typeof day === 'string' && typeof name === 'string' && record?.type === 'turn') {
      copied.set(copyKey(day, name), record.turn);
    }
  }
  return copied;
}

/** How a record is looked up in the copy. */
export function copyKey(day: string, name: string): string {
  return `${day}/${name}`;
}
