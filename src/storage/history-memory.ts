import type { CopiedTurn } from './turn-copies';

/** What an instance last saw of one history. */
export interface RememberedHistory {
  /** The UTC day of the folder `records` counts. */
  day: string;
  /** How many records that day's folder held (at least). */
  records: number;
  /** The newest turns it loaded or saved, oldest first, with their records' day and name. */
  newest: readonly CopiedTurn[];
}

/** One per instance: what its loads and saves saw of each history, for its next load of it. */
export interface HistoryMemory {
  get(key: string): RememberedHistory | undefined;
  set(key: string, seen: RememberedHistory): void;
  delete(key: string): void;
}

/** Each history keeps this many of its newest turns (a load needs HISTORY_LENGTH of them). */
export const MAX_REMEMBERED_TURNS = 20;

/**
 * A bounded map (the least recently set history goes first). Nothing in it is trusted: a load still lists today's
 * folder, takes a remembered turn only when its record is listed under the same day and name, and lists further
 * when today's records fall short, so what another instance changed meanwhile costs reads, never a turn.
 */
export function createHistoryMemory(maxKeys = 200): HistoryMemory {
  const seen = new Map<string, RememberedHistory>();
  return {
    get: (key) => seen.get(key),
    set(key, history) {
      seen.delete(key);
      seen.set(key, { ...history, newest: history.newest.slice(-MAX_REMEMBERED_TURNS) });
      if (seen.size > maxKeys) seen.delete(seen.keys().next().value as string);
    },
    delete: (key) => {
      seen.delete(key);
    },
  };
}
