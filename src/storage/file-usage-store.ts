import { createHash } from 'node:crypto';
import type { Clock, Logger } from '../ports';
import { isValidTimeZone, localDay } from './local-day';
import type { MessageScope } from './message-scope';
import { createMessageMemo } from './message-scope';
import { readJsonFile } from './read-json-file';
import type { Volume } from './volume';

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
  volume: Volume;
  logger: Logger;
  clock: Clock;
  /** IANA zone whose midnight starts a new day (TIMEZONE). */
  timeZone: string;
  message?: MessageScope;
}

interface StoredEntry {
  user: string;
  staffId?: string;
  nick: string;
  promptTokens: number;
  completionTokens: number;
  at: number;
}

// Layout: `usage/<yyyymmdd in timeZone>/<sha256(msgId), 32 hex>.json` holding
// {"v":1,"user":"<sha256(userKey), 32 hex>","staffId"?,"nick","promptTokens","completionTokens","at"}. Every
// message has its own file, so different messages never touch the same file. Two attempts at one message may
// both create it where the OSS mount's exclusive create is not atomic: the same record twice, counted once.
// Old days are removed by the day-folder housekeeping.
/** A usage store on the history volume: one file per answered message. */
export function createFileUsageStore(options: FileUsageStoreOptions): UsageStore {
  const { volume, logger, clock, timeZone } = options;
  if (!isValidTimeZone(timeZone)) throw new RangeError('usage time zone is not a known IANA time zone');
  const memo = createMessageMemo(options.message);

  return {
    async record(entry) {
      const at = clock();
      const day = localDay(at, timeZone);
      const file = `usage/${day}/${hashOf(entry.msgId)}.json`;
      const data = JSON.stringify({
        v: 1,
        user: hashOf(entry.userKey),
        ...(entry.staffId ? { staffId: entry.staffId } : {}),
        nick: entry.nick,
        promptTokens: toCount(entry.promptTokens),
        completionTokens: toCount(entry.completionTokens),
        at,
      });
      if (!(await volume.createExclusive(file, data))) {
        logger.info({ day }, 'usage already recorded for this message');
      }
    },
    async today() {
      const day = localDay(clock(), timeZone);
      return memo.get(day, async () => summarize(await readDay(volume, day, logger)));
    },
  };
}

async function readDay(volume: Volume, day: string, logger: Logger): Promise<StoredEntry[]> {
  const names = (await volume.list(`usage/${day}`)).filter((name) => ENTRY_FILE.test(name));
  // All at once: one round trip on the OSS mount, however many messages the day had.
  const results = await Promise.all(names.map((name) => readJsonFile(volume, `usage/${day}/${name}`)));
  const entries: StoredEntry[] = [];
  for (const [index, result] of results.entries()) {
    const entry = result.status === 'ok' ? decodeEntry(result.value) : undefined;
    if (entry) entries.push(entry);
    else logger.warn({ day, file: names[index] }, 'skipping unreadable usage entry');
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
