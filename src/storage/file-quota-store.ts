import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, Logger } from '../ports';
import { appendSeqEntry } from './append-seq-entry';
import { findHeadSeq } from './find-head-seq';
import { errorCodeOf } from './has-error-code';
import { isValidTimeZone, localDay } from './local-day';
import { writeFileNoFollow } from './no-follow-file';
import { pruneDayDirs } from './prune-day-dirs';
import { readJsonFile } from './read-json-file';

const DAY_MS = 86_400_000;
const RETENTION_DAYS = 7;

/** Today's request count of one user against a daily maximum. */
export interface QuotaUsage {
  used: number;
  remaining: number;
}

/** Per-user daily request quota on the history volume. */
export interface QuotaStore {
  /**
   * Takes one of today's `max` request slots for `msgId`. Concurrent takers in separate instances never share a
   * slot: each gets its own slot number and only numbers up to `max` are allowed. Taking again for the same
   * msgId (a redelivery) returns the first verdict without using another slot.
   */
  take(userKey: string, max: number, msgId: string): Promise<QuotaUsage & { allowed: boolean }>;
  /** Today's usage without taking a slot (what `额度` shows). */
  peek(userKey: string, max: number): Promise<QuotaUsage>;
}

/** Options of the file-backed quota store. */
export interface FileQuotaStoreOptions {
  /** Root of the (OSS-mounted) volume; slots live under `<dir>/quota/<yyyymmdd>/<user hash>/`. */
  dir: string;
  logger: Logger;
  clock: Clock;
  /** IANA zone whose midnight starts a new quota day (TIMEZONE). */
  timeZone: string;
}

// Layout: `<dir>/quota/<yyyymmdd in timeZone>/<sha256(userKey), 32 hex>/` holding one numbered slot file per taken
// request (`<12-digit seq>.json`, created exclusively by appendSeqEntry, {"v":1,"at":ms}) and one
// `m-<sha256(msgId), 32 hex>.json` per allowed msgId ({"v":1,"seq":n}). A slot number above the maximum means a
// concurrent taker got there first: that request is refused and its file simply counts as nothing.
/** A quota store counting today's requests as exclusively created numbered files, so no count is ever lost. */
export function createFileQuotaStore(options: FileQuotaStoreOptions): QuotaStore {
  const { logger, clock, timeZone } = options;
  if (!isValidTimeZone(timeZone)) throw new RangeError('quota time zone is not a known IANA time zone');
  const root = join(options.dir, 'quota');
  const today = () => localDay(clock(), timeZone);
  const usage = (head: number, max: number): QuotaUsage => {
    const used = Math.min(head, max);
    return { used, remaining: max - used };
  };

  return {
    async take(userKey, max, msgId) {
      checkMax(max);
      const day = today();
      const userDir = join(root, day, hashOf(userKey));
      const markerFile = join(userDir, `m-${hashOf(msgId)}.json`);
      const [marker, head] = await Promise.all([readMarkerSeq(markerFile), findHeadSeq(userDir, logger)]);
      if (marker !== undefined) return { allowed: marker <= max, ...usage(Math.max(head, marker), max) };
      if (head >= max) return { allowed: false, ...usage(head, max) };
      if (head === 0) await startDay(day, userDir);

      const seq = await appendSeqEntry(userDir, JSON.stringify({ v: 1, at: clock() }), logger);
      if (seq > max) {
        logger.info({ seq, max }, 'quota slot lost to a concurrent request; refused');
        return { allowed: false, ...usage(seq, max) };
      }
      try {
        await writeFileNoFollow(markerFile, JSON.stringify({ v: 1, seq }));
      } catch (error) {
        // Only costs a redelivery of this message a second slot.
        logger.warn({ code: errorCodeOf(error) }, 'could not write the quota msgId marker');
      }
      return { allowed: true, ...usage(seq, max) };
    },
    async peek(userKey, max) {
      checkMax(max);
      const head = await findHeadSeq(join(root, today(), hashOf(userKey)), logger);
      return usage(head, max);
    },
  };

  /** Creates the user's directory for `day`; the first instance to create the day itself prunes old days. */
  async function startDay(day: string, userDir: string): Promise<void> {
    // mkdir reports the first directory it created: anything above the user's means the day is new.
    const created = await mkdir(userDir, { recursive: true });
    if (created !== undefined && created !== userDir) {
      await pruneDayDirs(root, localDay(clock() - RETENTION_DAYS * DAY_MS, timeZone), day, logger);
    }
  }
}

function checkMax(max: number): void {
  // MAX_REQUESTS_PER_DAY=0 means unlimited: the caller skips the quota rather than passing 0.
  if (!Number.isSafeInteger(max) || max < 1) throw new RangeError('quota maximum must be a positive integer');
}

function hashOf(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32);
}

async function readMarkerSeq(file: string): Promise<number | undefined> {
  const result = await readJsonFile(file);
  if (result.status !== 'ok' || typeof result.value !== 'object' || result.value === null) return undefined;
  const seq = (result.value as { seq?: unknown }).seq;
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 1 ? seq : undefined;
}
