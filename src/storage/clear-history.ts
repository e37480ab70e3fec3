import type { Logger } from '../ports';
import { errorCodeOf } from './has-error-code';
import type { HistoryScan } from './history-scan';
import { dayFolder } from './history-scan';
import { legacySeqs } from './legacy-history';
import { formatSeqFileName } from './turn-file';
import type { Volume } from './volume';

// The copy of the newest turns earlier versions rewrote beside the records (turns now carry their own copies).
const EARLIER_VERSIONS_COPY = 'recent.json';
// Bounds one clear's clean-up (each removal is at least one OSS request on the mount); what is left stays
// hidden behind the marker, and the next clear removes more.
const MAX_REMOVALS = 128;

/** What a clear marker hides: everything older than it. */
export interface ClearedRange {
  keyDir: string;
  /** The marker's day folder and name. */
  day: string;
  marker: string;
}

/**
 * Best-effort removal of what a clear marker hides, after the marker is written (so a failed marker never
 * leaves a history half removed and older turns showing again); never throws. Older day folders go whole;
 * in the marker's own day, the records listed before it; the copy of the newest turns earlier versions kept and the
 * v1 files of `keyListing` (the key folder).
 */
export async function removeClearedRecords(
  volume: Volume,
  cleared: ClearedRange,
  scan: HistoryScan,
  keyListing: readonly string[],
  logger: Logger,
): Promise<void> {
  const { keyDir, day, marker } = cleared;
  // The store clears with a full scan; older folders missing from one would only stay hidden behind the marker.
  const olderDays = (scan.days ?? []).filter((other) => other < day).map((other) => dayFolder(keyDir, other));
  const sameDay = (scan.listed.get(day) ?? [])
    .filter((entry) => entry.name < marker)
    .map((entry) => `${dayFolder(keyDir, day)}/${entry.name}`);
  // Behind a v2 marker the v1 files are never read again: their hint can go with them, in any order.
  const legacy = [
    ...legacySeqs(keyListing).map((seq) => `${keyDir}/${formatSeqFileName(seq)}`),
    ...(keyListing.includes('head.json') ? [`${keyDir}/head.json`] : []),
  ];
  // The copy earlier versions kept holds cleared text too.
  const copy = keyListing.includes(EARLIER_VERSIONS_COPY) ? [`${keyDir}/${EARLIER_VERSIONS_COPY}`] : [];
  const all = [...copy, ...olderDays, ...sameDay, ...legacy];
  const now = all.slice(0, MAX_REMOVALS);
  const key = keyDir.slice(keyDir.lastIndexOf('/') + 1);
  const failures = await Promise.all(
    now.map((path) =>
      volume.remove(path).then(
        () => undefined,
        (error: unknown) => errorCodeOf(error),
      ),
    ),
  );
  const failed = failures.find((code) => code !== undefined);
  if (failed !== undefined) logger.warn({ key, code: failed }, 'could not remove cleared history');
  if (all.length > MAX_REMOVALS) {
    logger.info({ key, left: all.length - MAX_REMOVALS }, 'cleared history files left for a later clear');
  }
}
