import { createHash } from 'node:crypto';
import { lstat, mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, Logger } from '../ports';
import { hasErrorCode } from './has-error-code';
import { pathExists, writeFileNoFollow } from './no-follow-file';
import { formatUtcDay, pruneDayDirs } from './prune-day-dirs';
import { readJsonFile } from './read-json-file';

const DAY_MS = 86_400_000;
// Redeliveries come within minutes (DingTalk) or an hour (FC's event age, plus the lease): a message claimed just
// before midnight is looked for in the previous day's folder this long into the new day.
const CARRY_OVER_MS = 6 * 3_600_000;
const STATES = ['claimed', 'delivering', 'done'] as const;
type MarkerState = (typeof STATES)[number];

/** Outcome of claiming a msgId: the right to answer it, or why another attempt owns it. */
export type ClaimResult =
  | { claimed: true; markDelivering(): Promise<void>; markDone(): Promise<void> }
  | { claimed: false; state: 'done' | 'delivering' | 'in-progress' };

/** Options of the processed-message store. */
export interface ProcessedStoreOptions {
  /** Root of the (OSS-mounted) volume; markers live under `<dir>/processed/<yyyymmdd>/`. */
  dir: string;
  logger: Logger;
  clock: Clock;
  /** How long a 'claimed' (or unreadable) marker blocks other attempts before it counts as abandoned. */
  leaseMs: number;
  /** Day directories older than this are deleted (default 3; redeliveries stop well within a day). */
  retentionDays?: number;
}

/** Durable record of handled DingTalk msgIds, shared by all instances, so each message is answered once. */
export interface ProcessedStore {
  /** Claims `msgId` for answering; false when another attempt owns or finished it. */
  claim(msgId: string): Promise<ClaimResult>;
}

/**
 * A processed store on the shared volume: one exclusively created marker file per msgId, in the folder of the
 * day this function's own clock says (never a day from the message body, which anyone holding a replayed
 * signature could choose).
 */
export function createProcessedStore(options: ProcessedStoreOptions): ProcessedStore {
  const { logger, clock, leaseMs } = options;
  const root = join(options.dir, 'processed');
  const retentionMs = (options.retentionDays ?? 3) * DAY_MS;
  const encode = (state: MarkerState): string => JSON.stringify({ state, at: clock() });
  const claimedBy = (file: string): ClaimResult => ({
    claimed: true,
    markDelivering: () => writeFileNoFollow(file, encode('delivering')),
    markDone: () => writeFileNoFollow(file, encode('done')),
  });

  /** Decides about a marker that already exists: someone else's, or abandoned and taken over. */
  async function settleExisting(dayDir: string, name: string): Promise<ClaimResult> {
    const file = join(dayDir, `${name}.json`);
    const marker = await readMarker(file);
    if (marker !== undefined && marker.state !== 'claimed') return { claimed: false, state: marker.state };
    // A marker a failed write left empty or torn has no time in it: its modification time stands in.
    const since = marker?.at ?? (await modifiedAt(file));
    if (since === undefined) return { claimed: false, state: 'in-progress' };
    if (clock() - since < leaseMs) return { claimed: false, state: 'in-progress' };
    // Expired lease: the previous attempt died before posting. Several redeliveries may see the same
    // expired lease, so only the one that creates this lease's takeover file proceeds.
    try {
      await writeFileNoFollow(join(dayDir, `${name}.${Math.trunc(since)}.takeover`), '', { exclusive: true });
    } catch (error) {
      if (hasErrorCode(error, 'EEXIST')) return { claimed: false, state: 'in-progress' };
      throw error;
    }
    await writeFileNoFollow(file, encode('claimed'));
    logger.warn(
      { marker: name, readable: marker !== undefined },
      'took over an expired processed-message claim',
    );
    return claimedBy(file);
  }

  return {
    async claim(msgId) {
      const now = clock();
      const name = createHash('sha256').update(msgId).digest('hex').slice(0, 32);
      const day = formatUtcDay(now);
      const dayDir = join(root, day);
      const earlierDir = now % DAY_MS < CARRY_OVER_MS ? join(root, formatUtcDay(now - DAY_MS)) : undefined;
      const [earlier, created] = await Promise.all([
        earlierDir === undefined ? false : pathExists(join(earlierDir, `${name}.json`)),
        mkdir(dayDir, { recursive: true }),
      ]);
      if (earlierDir !== undefined && earlier) return settleExisting(earlierDir, name);
      if (created !== undefined) await pruneDayDirs(root, formatUtcDay(now - retentionMs), day, logger);
      const file = join(dayDir, `${name}.json`);
      try {
        await writeFileNoFollow(file, encode('claimed'), { exclusive: true });
        return claimedBy(file);
      } catch (error) {
        if (!hasErrorCode(error, 'EEXIST')) {
          // Created but not written (a full disk): an empty marker would look like someone else's claim.
          await unlink(file).catch(() => undefined);
          throw error;
        }
      }
      return settleExisting(dayDir, name);
    },
  };
}

async function readMarker(file: string): Promise<{ state: MarkerState; at: number } | undefined> {
  const result = await readJsonFile(file);
  if (result.status !== 'ok' || typeof result.value !== 'object' || result.value === null) return undefined;
  const { state, at } = result.value as { state?: unknown; at?: unknown };
  const known = STATES.find((candidate) => candidate === state);
  return known !== undefined && typeof at === 'number' && Number.isFinite(at)
    ? { state: known, at }
    : undefined;
}

async function modifiedAt(file: string): Promise<number | undefined> {
  try {
    return (await lstat(file)).mtimeMs;
  } catch {
    return undefined;
  }
}
