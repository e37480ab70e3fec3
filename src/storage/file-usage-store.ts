import { createHash } from 'node:crypto';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, Logger } from '../ports';
import { hasErrorCode } from './has-error-code';
import { isValidTimeZone, localDay } from './local-day';
import { writeFileNoFollow } from './no-follow-file';
import { pruneDayDirs } from './prune-day-dirs';
import { readJsonFile } from './read-json-file';

const DAY_MS = 86_400_000;
const RETENTION_DAYS = 7;
// Parallel reads per batch: one round trip on the OSS mount per batch instead of one per entry.
const READ_BATCH = 32;
const ENTRY_FILE = /^[0-9a-f]{32}\.json$/;

/** One answered message to count. */
export interface UsageEntry {
  /** The sender's stable id (staffId, else senderId); only its hash is stored. */
  userKey: string;
  /** Absent for external users. */
  staffId?: string | undefined;
  nick: string;
  promptTokens: number;
  completionTokens: number;
  msgId: string;
}

/** One user's totals for today. */
export interface UsageSummary {
  staffId?: string;
  nick: string;
  messages: number;
  promptTokens: number;
  completionTokens: number;
}

/** Today's answered messages and tokens per user (for `#统计`). */
export interface UsageStore {
  /** Counts one answered message; a second record for the same msgId (a redelivery) is ignored. */
  record(entry: UsageEntry): Promise<void>;
  /** Today's totals per user, most messages first; an unreadable entry is skipped and logged. */
  today(): Promise<UsageSummary[]>;
}

/** Options of the file-backed usage store. */
export interface FileUsageStoreOptions {
  /** Root of the (OSS-mounted) volume; entries live under `<dir>/usage/<yyyymmdd>/`. */
  dir: string;
  logger: Logger;
  clock: Clock;
  /** IANA zone whose midnight starts a new day (TIMEZONE). */
  timeZone: string;
}

interface StoredEntry {
  user: string;
  staffId?: string;
  nick: string;
  promptTokens: number;
  completionTokens: number;
  at: number;
}

// Layout: `<dir>/usage/<yyyymmdd in timeZone>/<sha256(msgId), 32 hex>.json` holding
// {"v":1,"user":"<sha256(userKey), 32 hex>","staffId"?,"nick","promptTokens","completionTokens","at"}. Every
// message has its own file, created exclusively, so concurrent writers never touch the same file.
/** A usage store on the history volume: one exclusively created file per answered message. */
export function createFileUsageStore(options: FileUsageStoreOptions): UsageStore {
  const { logger, clock, timeZone } = options;
  if (!isValidTimeZone(timeZone)) throw new RangeError('usage time zone is not a known IANA time zone');
  const root = join(options.dir, 'usage');

  return {
    async record(entry) {
      const at = clock();
      const day = localDay(at, timeZone);
      const dayDir = join(root, day);
      const file = join(dayDir, `${hashOf(entry.msgId)}.json`);
      const data = JSON.stringify({
        v: 1,
        user: hashOf(entry.userKey),
        ...(entry.staffId ? { staffId: entry.staffId } : {}),
        nick: entry.nick,
        promptTokens: toCount(entry.promptTokens),
        completionTokens: toCount(entry.completionTokens),
        at,
      });
      let madeDir = false;
      for (;;) {
        try {
          await writeFileNoFollow(file, data, { exclusive: true });
          return;
        } catch (error) {
          if (hasErrorCode(error, 'EEXIST')) {
            logger.info({ day }, 'usage already recorded for this message');
            return;
          }
          if (!hasErrorCode(error, 'ENOENT') || madeDir) throw error;
        }
        madeDir = true;
        if ((await mkdir(dayDir, { recursive: true })) !== undefined) {
          await pruneDayDirs(root, localDay(at - RETENTION_DAYS * DAY_MS, timeZone), day, logger);
        }
      }
    },
    async today() {
      const day = localDay(clock(), timeZone);
      const entries = await readDay(join(root, day), day, logger);
      return summarize(entries);
    },
  };
}

async function readDay(dayDir: string, day: string, logger: Logger): Promise<StoredEntry[]> {
  let names: string[];
  try {
    names = (await readdir(dayDir)).filter((name) => ENTRY_FILE.test(name));
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return [];
    throw error;
  }
  const entries: StoredEntry[] = [];
  for (let start = 0; start < names.length; start += READ_BATCH) {
    const batch = names.slice(start, start + READ_BATCH);
    const results = await Promise.all(batch.map((name) => readJsonFile(join(dayDir, name))));
    for (const [index, result] of results.entries()) {
      const entry = result.status === 'ok' ? decodeEntry(result.value) : undefined;
      if (entry) entries.push(entry);
      else logger.warn({ day, file: batch[index] }, 'skipping unreadable usage entry');
    }
  }
  return entries;
}

function summarize(entries: StoredEntry[]): UsageSummary[] {
  const byUser = new Map<string, UsageSummary & { at: number }>();
  for (const entry of entries) {
    const total = byUser.get(entry.user);
    if (total === undefined) {
      byUser.set(entry.user, {
        ...(entry.staffId ? { staffId: entry.staffId } : {}),
        nick: entry.nick,
        messages: 1,
        promptTokens: entry.promptTokens,
        completionTokens: entry.completionTokens,
        at: entry.at,
      });
      continue;
    }
    total.messages += 1;
    total.promptTokens += entry.promptTokens;
    total.completionTokens += entry.completionTokens;
    // The newest entry's name wins: people rename themselves.
    if (entry.at >= total.at) {
      total.at = entry.at;
      total.nick = entry.nick;
      if (entry.staffId) total.staffId = entry.staffId;
    }
  }
  return [...byUser.values()]
    .sort(
      (a, b) =>
        b.messages - a.messages ||
        b.promptTokens + b.completionTokens - (a.promptTokens + a.completionTokens) ||
        a.nick.localeCompare(b.nick),
    )
    .map(({ at: _at, ...summary }) => summary);
}

function decodeEntry(value: unknown): StoredEntry | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { user, staffId, nick, promptTokens, completionTokens, at } = value as Record<string, unknown>;
  if (typeof user !== 'string' || typeof nick !== 'string' || typeof at !== 'number') return undefined;
  if (!isCount(promptTokens) || !isCount(completionTokens)) return undefined;
  if (staffId !== undefined && typeof staffId !== 'string') return undefined;
  return { user, ...(staffId ? { staffId } : {}), nick, promptTokens, completionTokens, at };
}

// A provider without a usage field reports nothing: counted as 0 tokens rather than breaking the sums.
function toCount(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function hashOf(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32);
}
