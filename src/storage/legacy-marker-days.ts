import type { Clock } from '../ports';
import { DAY_FOLDER } from './local-day';
import type { Volume } from './volume';

/** Which day folders of v1 markers (`processed/<yyyymmdd>`) the volume holds, listed now and then. */
export interface LegacyMarkerDays {
  /** The folders as last listed; lists through `volume` (so the message that lists counts it) when due. */
  list(volume: Volume): Promise<ReadonlySet<string>>;
}

/**
 * One per instance. v1 markers come only from the release before this one, so after an upgrade their folders
 * stop appearing; listing them every `refreshMs` instead of looking for a marker file on every claim saves a
 * storage operation per message. A folder an old instance creates meanwhile (only while both releases run, during
 * a rollout) is seen at the next listing.
 */
export function createLegacyMarkerDays(options: { clock: Clock; refreshMs: number }): LegacyMarkerDays {
  let listed: { at: number; days: Promise<ReadonlySet<string>> } | undefined;
  return {
    list(volume) {
      const now = options.clock();
      if (listed === undefined || now - listed.at >= options.refreshMs) {
        const days = volume
          .list('processed')
          .then((names): ReadonlySet<string> => new Set(names.filter((name) => DAY_FOLDER.test(name))));
        const entry = { at: now, days };
        listed = entry;
        // A failed listing is not kept: the next claim lists again.
        days.catch(() => {
          if (listed === entry) listed = undefined;
        });
      }
      return listed.days;
    },
  };
}
