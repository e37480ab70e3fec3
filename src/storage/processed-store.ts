import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, Logger } from '../ports';
import { hasErrorCode } from './has-error-code';
import { formatUtcDay, pruneDayDirs } from './prune-day-dirs';
import { readJsonFile } from './read-json-file';

const DAY_MS = 86_400_000;
const MAX_DATE_MS = 8.64e15;
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
  /** How long a 'claimed' marker blocks other attempts before it counts as abandoned. */
  leaseMs: number;
  /** Day directories older than this are deleted (default 3; redeliveries stop well within a day). */
  retentionDays?: number;
}

/** Durable record of handled DingTalk msgIds, shared by all instances, so each message is answered once. */
export interface ProcessedStore {
  /** Claims `msgId` (sent at `createAt`, ms) for answering; false when another attempt owns or finished it. */
  claim(msgId: string, createAt: number): Promise<ClaimResult>;
}

/** A processed store on the shared volume: one exclusively created marker file per msgId. */
export function createProcessedStore(options: ProcessedStoreOptions): ProcessedStore {
  const { logger, clock, leaseMs } = options;
  const root = join(options.dir, 'processed');
  const retentionMs = (options.retentionDays ?? 3) * DAY_MS;
  const encode = (state: MarkerState): string => JSON.stringify({ state, at: clock() });
  const claimedBy = (file: string): ClaimResult => ({
    claimed: true,
    markDelivering: () => writeFile(file, encode('delivering')),
    markDone: () => writeFile(file, encode('done')),
  });

  return {
    async claim(msgId, createAt) {
      // createAt is identical on every redelivery, so all attempts meet in the same day directory.
      const day = formatUtcDay(Math.abs(createAt) <= MAX_DATE_MS ? createAt : clock());
      const dayDir = join(root, day);
      if ((await mkdir(dayDir, { recursive: true })) !== undefined) {
        await pruneDayDirs(root, formatUtcDay(clock() - retentionMs), day, logger);
      }
      const name = createHash('sha256').update(msgId).digest('hex').slice(0, 32);
      const file = join(dayDir, `${name}.json`);
      try {
        await writeFile(file, encode('claimed'), { flag: 'wx' });
        return claimedBy(file);
      } catch (error) {
        if (!hasErrorCode(error, 'EEXIST')) throw error;
      }

      const marker = await readMarker(file);
      if (marker === undefined) {
        // Torn or still being written: part of an answer may be out, so never risk a second one.
        logger.warn({ marker: name }, 'unreadable processed-message marker; treating as delivering');
        return { claimed: false, state: 'delivering' };
      }
      if (marker.state !== 'claimed') return { claimed: false, state: marker.state };
      if (clock() - marker.at < leaseMs) return { claimed: false, state: 'in-progress' };
      // Expired lease: the previous attempt died before posting. Several redeliveries may see the same
      // expired lease, so only the one that creates this lease's takeover file proceeds.
      try {
        await writeFile(join(dayDir, `${name}.${marker.at}.takeover`), '', { flag: 'wx' });
      } catch (error) {
        if (hasErrorCode(error, 'EEXIST')) return { claimed: false, state: 'in-progress' };
        throw error;
      }
      await writeFile(file, encode('claimed'));
      logger.warn({ marker: name }, 'took over an expired processed-message claim');
      return claimedBy(file);
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
