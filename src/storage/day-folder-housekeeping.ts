import type { Logger } from '../ports';
import { errorCodeOf } from './has-error-code';
import { DAY_FOLDER, formatUtcDay, localDay } from './local-day';
import type { Volume } from './volume';

const DAY_MS = 86_400_000;

/** Removes day folders (`<root>/<yyyymmdd>`) past their retention, once a day per instance. */
export interface DayFolderHousekeeping {
  /**
   * On the instance's first message of a (UTC) day: starts listing the roots now, alongside the message's other
   * reads, and returns the removal, to run with its last writes. Undefined when today's is done.
   */
  start(volume: Volume, now: number): (() => Promise<void>) | undefined;
}

// quota/ and usage/ count days in TIMEZONE and are kept a week; processed/ holds only the v1 markers' UTC day
// folders of the version before this one (today's tickets live in hash shards and are pruned as they are listed).
const ROOTS = [
  { root: 'quota', days: 7, local: true },
  { root: 'usage', days: 7, local: true },
  { root: 'processed', days: 3, local: false },
] as const;

/** Housekeeping of the volume's day folders; keep one per instance (it remembers the day it last ran). */
export function createDayFolderHousekeeping(options: {
  logger: Logger;
  timeZone: string;
}): DayFolderHousekeeping {
  const { logger, timeZone } = options;
  let lastDay: string | undefined;
  return {
    start(volume, now) {
      const today = formatUtcDay(now);
      if (today === lastDay) return undefined;
      lastDay = today;
      const listings = Promise.all(ROOTS.map(({ root }) => volume.list(root).catch(() => [])));
      return async () => {
        const names = await listings;
        const expired = ROOTS.flatMap(({ root, days, local }, index) => {
          const oldestKept = local
            ? localDay(now - days * DAY_MS, timeZone)
            : formatUtcDay(now - days * DAY_MS);
          return (names[index] ?? [])
            .filter((name) => DAY_FOLDER.test(name) && name < oldestKept)
            .map((name) => `${root}/${name}`);
        });
        await Promise.all(
          expired.map((path) =>
            volume.remove(path).then(
              () => logger.info({ folder: path }, 'removed an expired day folder'),
              (error: unknown) =>
                logger.warn({ folder: path, code: errorCodeOf(error) }, 'could not remove a day folder'),
            ),
          ),
        );
      };
    },
  };
}
