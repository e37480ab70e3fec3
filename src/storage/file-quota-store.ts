import { createHash } from 'node:crypto';
import type { Clock, Logger } from '../ports';
import { formatEntryName, messageEntryId } from './day-entry-name';
import { errorCodeOf } from './has-error-code';
import { isValidTimeZone, localDay } from './local-day';
import type { MessageScope } from './message-scope';
import { createMessageMemo, runLater } from './message-scope';
import { viewQuota } from './quota-view';
import type { Volume } from './volume';

// A take's place is the time in its entry's name, and its exact place is known once every entry named earlier
// has landed. So a take lists the day again only when its name's time is SETTLE_MS past, and a take whose own
// write took longer than LATE_MS writes a fresh entry instead (a stalled instance must not slip an early time
// in after others ranked themselves): exact as long as the instances' clocks differ by less than the gap,
// 50 ms. The wait overlaps the claim and the other reads of the message, which run meanwhile.
const SETTLE_MS = 110;
const LATE_MS = 60;
const MAX_LATE_TRIES = 5;

/** Today's request count of one user against a daily maximum. */
export interface QuotaUsage {
  used: number;
  remaining: number;
}

/** Per-user daily request quota on the history volume. */
export interface QuotaStore {
  /**
   * Takes one of today's `max` requests for `msgId`: never more than `max` a day, however many instances take
   * at once. Taking again for the same msgId (a redelivery, or a second attempt) returns its first verdict
   * without counting again.
   */
  take(userKey: string, max: number, msgId: string): Promise<QuotaUsage & { allowed: boolean }>;
  /** Today's usage without taking (what `额度` shows). */
  peek(userKey: string, max: number): Promise<QuotaUsage>;
  /** Gives back what this store took for `msgId` (the question stopped before it reached the model). */
  release(userKey: string, msgId: string): Promise<void>;
}

/** Options of the file-backed quota store. */
export interface FileQuotaStoreOptions {
  volume: Volume;
  logger: Logger;
  clock: Clock;
  /** IANA zone whose midnight starts a new quota day (TIMEZONE). */
  timeZone: string;
  message?: MessageScope;
}

// Layout: `quota/<yyyymmdd in timeZone>/<sha256(userKey), 32 hex>/<13-digit at>-<sha256(msgId), 16 hex>`, one
// empty file per message taken; one listing counts a day. Names no other message can produce, so nothing is
// lost where the OSS mount's exclusive create is not atomic. v1 files of the same day (`<12-digit seq>.json`
// slots, `m-<sha256(msgId), 32 hex>.json` markers of allowed messages) are counted first. Old days are removed
// by the day-folder housekeeping.
/** A quota store counting today's requests as one named entry per message. */
export function createFileQuotaStore(options: FileQuotaStoreOptions): QuotaStore {
  const { volume, logger, clock, timeZone, message } = options;
  if (!isValidTimeZone(timeZone)) throw new RangeError('quota time zone is not a known IANA time zone');
  const memo = createMessageMemo(message);
  const takes = new Map<string, TakeInProgress>();
  const dirOf = (userKey: string) => `quota/${localDay(clock(), timeZone)}/${hashOf(userKey, 32)}`;
  const listingOf = (dir: string) => memo.get(`list/${dir}`, () => volume.list(dir));

  return {
    async take(userKey, max, msgId) {
      checkMax(max);
      const dir = dirOf(userKey);
      return memo.get(`take/${dir}/${max}/${msgId}`, () => {
        const progress: TakeInProgress = { paths: [], givenBack: false };
        takes.set(msgId, progress);
        const taken = take(dir, max, msgId, progress);
        progress.done = taken;
        return taken;
      });
    },
    async peek(userKey, max) {
      checkMax(max);
      const { total } = viewQuota(await listingOf(dirOf(userKey)), max);
      return usage(total, max);
    },
    async release(_userKey, msgId) {
      const progress = takes.get(msgId);
      if (progress === undefined) return;
      progress.givenBack = true;
      progress.wake?.();
      await runLater(message, async () => {
        // A take started ahead of time may still be writing: give back what it wrote once it is done.
        await progress.done?.catch(() => undefined);
        takes.delete(msgId);
        await Promise.all(progress.paths.map((path) => volume.remove(path))).catch((error: unknown) =>
          logger.warn({ code: errorCodeOf(error) }, 'could not give back a quota entry'),
        );
      });
    },
  };

  async function take(
    dir: string,
    max: number,
    msgId: string,
    progress: TakeInProgress,
  ): Promise<QuotaUsage & { allowed: boolean }> {
    const id = messageEntryId(msgId);
    const seen = viewQuota(await listingOf(dir), max);
    if (seen.hasLegacyMarker(hashOf(msgId, 32))) return { allowed: true, ...usage(seen.total, max) };
    const known = seen.rankOf(id);
    if (known !== undefined) return { allowed: known <= max, ...usage(seen.total, max) };
    const notTaken = { allowed: false, ...usage(seen.total, max) };
    if (seen.total >= max) return notTaken;

    for (let tries = 1; ; tries += 1) {
      // Given back before it was written or ranked (the question stopped early): no need to go on.
      if (progress.givenBack) return notTaken;
      const at = clock();
      const path = `${dir}/${formatEntryName(at, id, '')}`;
      await volume.mark(path);
      progress.paths.push(path);
      const late = clock() - at > LATE_MS;
      if (late && tries < MAX_LATE_TRIES) {
        logger.info({ tries }, 'quota entry landed late; writing a fresh one');
        await volume.remove(path);
        progress.paths = progress.paths.filter((other) => other !== path);
        continue;
      }
      if (late) logger.warn({ tries }, 'quota entries keep landing late; ranking anyway');
      await settle(progress, at + SETTLE_MS - clock());
      if (progress.givenBack) return notTaken;
      const settled = viewQuota(await volume.list(dir), max);
      const rank = settled.rankOf(id) ?? Number.POSITIVE_INFINITY;
      if (rank > max) logger.info({ max }, 'quota taken by concurrent requests first; refused');
      return { allowed: rank <= max, ...usage(Math.max(settled.total, Math.min(rank, max)), max) };
    }
  }
}

/** One message's take in this store: what it wrote, and whether the question gave it back. */
interface TakeInProgress {
  done?: Promise<unknown>;
  paths: string[];
  givenBack: boolean;
  /** Ends the settle wait early (the take was given back). */
  wake?: () => void;
}

/** Waits `ms`, or less when the take is given back meanwhile. */
function settle(progress: TakeInProgress, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (progress.givenBack) return resolve();
    const timer = setTimeout(resolve, Math.max(0, ms));
    progress.wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
}

function usage(total: number, max: number): QuotaUsage {
  const used = Math.min(total, max);
  return { used, remaining: max - used };
}

function checkMax(max: number): void {
  // MAX_REQUESTS_PER_DAY=0 means unlimited: the caller skips the quota rather than passing 0.
  if (!Number.isSafeInteger(max) || max < 1) throw new RangeError('quota maximum must be a positive integer');
}

function hashOf(value: string, length: number): string {
  return createHash('sha256').update(value).digest('hex').slice(0, length);
}
