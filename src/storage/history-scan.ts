import type { Turn } from '../ports';
import type { DayEntry } from './day-entry-name';
import { newestFirst, parseEntryName } from './day-entry-name';
import { DAY_FOLDER, formatUtcDay } from './local-day';
import type { CopiedTurn } from './turn-copies';
import { copyKey } from './turn-copies';
import type { Volume } from './volume';

const DAY_MS = 86_400_000;
/** Turn records; a clear marker is `<at>-<id>.clear.json`. */
export const TURN_SUFFIX = '.json';
export const CLEAR_SUFFIX = '.clear.json';

/** What one round trip of listings says about a history: its day folders, the newest days listed. */
export interface HistoryScan {
  /** Day folders (yyyymmdd, UTC), as listed; undefined when only today was listed (see scanHistory). */
  days: string[] | undefined;
  /** The records of the days listed so far (today's, and unless only today was listed, yesterday's). */
  listed: Map<string, DayRecord[]>;
  /** Copies of turns by copyKey (turn-copies.ts): the newest turns the instance remembers of this history. */
  copied: Map<string, Turn>;
}

/** The folder of one day's records. */
export function dayFolder(keyDir: string, day: string): string {
  return `${keyDir}/days/${day}`;
}

/**
 * Lists the day folders and, in the same round trip, today's and yesterday's records (where recent turns
 * are), so a load usually needs one more round trip: the newest record, which carries copies of the turns
 * before it. With `todayOnly` (today is known to hold enough records) just today's records: the cursor lists
 * the day folders later if they fall short after all. With `remembered` (the newest turns this instance saw)
 * those serve as copies, and a load reads only the records they lack.
 */
export async function scanHistory(
  volume: Volume,
  keyDir: string,
  now: number,
  options: { todayOnly?: boolean; remembered?: readonly CopiedTurn[] } = {},
): Promise<HistoryScan> {
  const recent = options.todayOnly ? [formatUtcDay(now)] : [formatUtcDay(now), formatUtcDay(now - DAY_MS)];
  const { remembered } = options;
  const [days, ...listings] = await Promise.all([
    options.todayOnly ? undefined : listDayFolders(volume, keyDir),
    ...recent.map((day) => listDay(volume, keyDir, day)),
  ]);
  return {
    days,
    listed: new Map(recent.map((day, index) => [day, listings[index] ?? []])),
    copied: new Map((remembered ?? []).map((entry) => [copyKey(entry.day, entry.name), entry.turn])),
  };
}

async function listDayFolders(volume: Volume, keyDir: string): Promise<string[]> {
  return (await volume.list(`${keyDir}/days`)).filter((day) => DAY_FOLDER.test(day));
}

/** A record and the day folder it was listed in. */
export interface DayRecord extends DayEntry {
  day: string;
}

/** The turn and clear records of one day folder. */
export async function listDay(volume: Volume, keyDir: string, day: string): Promise<DayRecord[]> {
  const names = await volume.list(dayFolder(keyDir, day));
  return names.flatMap((name) => {
    const entry = parseEntryName(name);
    return entry !== undefined && isRecord(entry) ? [{ ...entry, day }] : [];
  });
}

/** Whether a record is a clear marker. */
export function isClearMarker(entry: DayEntry): boolean {
  return entry.suffix === CLEAR_SUFFIX;
}

function isRecord(entry: DayEntry): boolean {
  return entry.suffix === TURN_SUFFIX || entry.suffix === CLEAR_SUFFIX;
}

/**
 * Hands out a history's records newest first, listing older day folders only when the ones listed are used
 * up, as many at a time as records are still wanted (each existing folder holds at least one); and the day
 * folders themselves first, when the scan did not.
 */
export function createEntryCursor(volume: Volume, keyDir: string, scan: HistoryScan) {
  const days = [...new Set([...(scan.days ?? []), ...scan.listed.keys()])].sort().reverse();
  let allDaysKnown = scan.days !== undefined;
  const listed = new Map(scan.listed);
  let dayIndex = 0;
  let queue: DayRecord[] = [];
  return async (wanted: number): Promise<DayRecord | undefined> => {
    while (queue.length === 0) {
      if (dayIndex === days.length && !allDaysKnown) {
        allDaysKnown = true;
        const known = new Set(days);
        days.push(
          ...(await listDayFolders(volume, keyDir))
            .filter((d) => !known.has(d))
            .sort()
            .reverse(),
        );
      }
      const day = days[dayIndex];
      if (day === undefined) return undefined;
      if (!listed.has(day)) {
        const batch = days.slice(dayIndex, dayIndex + Math.max(1, wanted)).filter((d) => !listed.has(d));
        const listings = await Promise.all(batch.map((d) => listDay(volume, keyDir, d)));
        for (const [index, d] of batch.entries()) listed.set(d, listings[index] ?? []);
      }
      queue = [...(listed.get(day) ?? [])].sort(newestFirst);
      dayIndex += 1;
    }
    return queue.shift();
  };
}
