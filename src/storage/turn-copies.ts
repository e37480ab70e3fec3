import type { Turn } from '../ports';

// Each turn record also carries copies of the turns before it (the newest its writer loaded; turn-file.ts), so a
// load that reads the newest record takes the turns before it from there instead of reading one file per turn,
// and an answer writes one file, not the turn and a separate copy. Only copies: which turns make the history is
// still decided by the day listings, and a turn is taken from a copy only when its record is listed under the
// same day and name (a record never changes once written). What the copies lack (a turn another instance wrote
// meanwhile, a record of an earlier version) is read from its own file.
/** Bounds the copies one record carries (a load needs HISTORY_LENGTH turns, the record's own included). */
export const MAX_EARLIER_TURNS = 49;

/** A turn with the day folder and name of its record. */
export interface CopiedTurn {
  day: string;
  name: string;
  turn: Turn;
}

/** How a record is looked up among the copies. */
export function copyKey(day: string, name: string): string {
  return `${day}/${name}`;
}
