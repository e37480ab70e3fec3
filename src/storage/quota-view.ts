import { parseEntryName } from './day-entry-name';
import { legacySeqs } from './legacy-history';

/** One user's day of quota as a listing shows it. */
export interface QuotaView {
  /** Requests counted: v1 slots (up to the maximum) and one per distinct message. */
  total: number;
  /** A message's place in the day's order (1 = first), or undefined when it has taken nothing. */
  rankOf(id: string): number | undefined;
  /** Whether the v1 store (the version before this one) let this message through. */
  hasLegacyMarker(msgHash32: string): boolean;
}

/**
 * Reads a quota folder's names. Entries are `<13-digit at>-<16 hex of the msgId>`: a message's place is its
 * earliest entry's time (then its id), so two attempts at one message count once. v1 slots of the same day
 * (`<12-digit seq>.json`, numbered without gaps, a number above the maximum meaning refused) come first.
 */
export function viewQuota(names: readonly string[], max: number): QuotaView {
  const legacyCount = Math.min(legacySeqs(names).at(-1) ?? 0, max);
  const earliest = new Map<string, string>();
  for (const name of names) {
    const entry = parseEntryName(name);
    if (entry === undefined || entry.suffix !== '') continue;
    const known = earliest.get(entry.id);
    if (known === undefined || name < known) earliest.set(entry.id, name);
  }
  // Names sort by time, then id: the earliest first.
  const order = [...earliest.entries()].sort(([, a], [, b]) => (a < b ? -1 : 1)).map(([id]) => id);
  return {
    total: legacyCount + order.length,
    rankOf(id) {
      const index = order.indexOf(id);
      return index === -1 ? undefined : legacyCount + index + 1;
    },
    hasLegacyMarker: (msgHash32) => names.includes(`m-${msgHash32}.json`),
  };
}
