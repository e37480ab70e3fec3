import { formatUtcDay } from './local-day';
import { readJsonFile } from './read-json-file';
import type { Volume } from './volume';

const DAY_MS = 86_400_000;
// Redeliveries come within minutes (DingTalk) or an hour (FC's event age, plus the lease): a message claimed just
// before midnight is looked for in the previous day's folder this long into the new day.
const CARRY_OVER_MS = 6 * 3_600_000;
const LEGACY_STATES = { claimed: 'claim', delivering: 'delivering', done: 'done' } as const;

/** A v1 marker, in the terms of the current tickets. */
export interface LegacyMarker {
  at: number;
  state: 'claim' | 'delivering' | 'done';
}

/**
 * The v1 markers of a message (`processed/<yyyymmdd UTC>/<hash>.json` holding {"state","at"}), written by the
 * version before this one: today's, and yesterday's early in the day, so a message that version claimed is not
 * answered again after the upgrade; only in the day folders `existing` names, when the caller knows them. A
 * marker a failed write left empty or torn counts as a claim made at its modification time.
 */
export async function readLegacyMarkers(
  volume: Volume,
  hash: string,
  now: number,
  existing?: ReadonlySet<string>,
): Promise<LegacyMarker[]> {
  const days = [formatUtcDay(now), ...(now % DAY_MS < CARRY_OVER_MS ? [formatUtcDay(now - DAY_MS)] : [])];
  const found = await Promise.all(
    days
      .filter((day) => existing === undefined || existing.has(day))
      .map(async (day): Promise<LegacyMarker | undefined> => {
        const path = `processed/${day}/${hash}.json`;
        const result = await readJsonFile(volume, path);
        if (result.status === 'missing') return undefined;
        const marker = result.status === 'ok' ? decodeMarker(result.value) : undefined;
        if (marker) return marker;
        const modified = await volume.modifiedAt(path);
        return modified === undefined ? undefined : { at: modified, state: 'claim' };
      }),
  );
  return found.filter((marker) => marker !== undefined);
}

function decodeMarker(value: unknown): LegacyMarker | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { state, at } = value as { state?: unknown; at?: unknown };
  const known = Object.entries(LEGACY_STATES).find(([legacy]) => legacy === state)?.[1];
  return known !== undefined && typeof at === 'number' && Number.isFinite(at)
    ? { at, state: known }
    : undefined;
}
