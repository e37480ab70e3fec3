import { createHash, randomBytes } from 'node:crypto';

// A record's name says when it was written and by which message: `<13-digit ms>-<16 hex>` plus a suffix. No
// two writers can produce the same name (the hex is the writer's msgId hash, or random), so nothing written
// through the OSS mount's non-atomic create can replace another writer's record, and sorting names sorts the
// records by time, ties broken by the hex.
const AT_DIGITS = 13;
const ENTRY = /^(\d{13})-([0-9a-f]{16})(.*)$/;

/** A parsed record name. */
export interface DayEntry {
  name: string;
  at: number;
  id: string;
  /** What follows the id, e.g. '.json' or '-single'. */
  suffix: string;
}

/** `<13-digit at>-<id><suffix>`. */
export function formatEntryName(at: number, id: string, suffix: string): string {
  return `${String(Math.max(0, Math.trunc(at))).padStart(AT_DIGITS, '0')}-${id}${suffix}`;
}

/** The parts of a record name, or undefined for any other name. */
export function parseEntryName(name: string): DayEntry | undefined {
  const match = ENTRY.exec(name);
  if (!match) return undefined;
  return { name, at: Number(match[1]), id: match[2] ?? '', suffix: match[3] ?? '' };
}

/** The 16-hex id of a message's records: the same message always writes under the same id. */
export function messageEntryId(msgId: string): string {
  return createHash('sha256').update(msgId).digest('hex').slice(0, 16);
}

/** A fresh 16-hex id for a record no message owns (a mode change, a clear without a message). */
export function randomEntryId(): string {
  return randomBytes(8).toString('hex');
}

/** Newest first: by time, then by id. */
export function newestFirst(a: DayEntry, b: DayEntry): number {
  return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}
