import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProcessedStore } from '../../../src/storage/processed-store';
import { createCaptureLogger, createTempDir } from './capture-logger';

const MSG_ID = 'msgAb+/cD==';
const CREATE_AT = Date.UTC(2024, 0, 10, 23, 59, 30);
const LEASE_MS = 60_000;
const markerName = `${createHash('sha256').update(MSG_ID).digest('hex').slice(0, 32)}.json`;

describe('createProcessedStore', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let capture: ReturnType<typeof createCaptureLogger>;
  let now: number;
  const store = (retentionDays?: number) =>
    createProcessedStore({
      dir,
      logger: capture.logger,
      clock: () => now,
      leaseMs: LEASE_MS,
      ...(retentionDays === undefined ? {} : { retentionDays }),
    });
  const markerFile = () => join(dir, 'processed', '20240110', markerName);
  const readMarker = async () => JSON.parse(await readFile(markerFile(), 'utf8'));

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
    capture = createCaptureLogger();
    now = CREATE_AT + 5_000;
  });
  afterEach(() => remove());

  it('claims a new msgId once, in the UTC day bucket of createAt, without the raw id in the path', async () => {
    const first = await store().claim(MSG_ID, CREATE_AT);
    expect(first.claimed).toBe(true);
    expect(await readMarker()).toEqual({ state: 'claimed', at: now });
    // The clock has moved to the next UTC day: the redelivery still meets the same marker.
    now = CREATE_AT + 50_000;
    expect(await store().claim(MSG_ID, CREATE_AT)).toEqual({ claimed: false, state: 'in-progress' });
    expect(await readdir(join(dir, 'processed'))).toEqual(['20240110']);
  });

  it('reports delivering, then done, after the owner marks them', async () => {
    const claim = await store().claim(MSG_ID, CREATE_AT);
    if (!claim.claimed) throw new Error('expected a claim');
    now += 1_000;
    await claim.markDelivering();
    expect(await readMarker()).toEqual({ state: 'delivering', at: now });
    now += 10 * LEASE_MS; // delivering never expires: part of the answer may be out
    expect(await store().claim(MSG_ID, CREATE_AT)).toEqual({ claimed: false, state: 'delivering' });
    await claim.markDone();
    expect(await readMarker()).toEqual({ state: 'done', at: now });
    expect(await store().claim(MSG_ID, CREATE_AT)).toEqual({ claimed: false, state: 'done' });
  });

  it('keeps other msgIds independent', async () => {
    expect((await store().claim(MSG_ID, CREATE_AT)).claimed).toBe(true);
    expect((await store().claim(`${MSG_ID}x`, CREATE_AT)).claimed).toBe(true);
  });

  it('takes over a claim whose lease expired, with a fresh lease', async () => {
    expect((await store().claim(MSG_ID, CREATE_AT)).claimed).toBe(true);
    now += LEASE_MS - 1;
    expect(await store().claim(MSG_ID, CREATE_AT)).toEqual({ claimed: false, state: 'in-progress' });
    now += 1;
    const takeover = await store().claim(MSG_ID, CREATE_AT);
    expect(takeover.claimed).toBe(true);
    expect(await readMarker()).toEqual({ state: 'claimed', at: now });
    expect(await store().claim(MSG_ID, CREATE_AT)).toEqual({ claimed: false, state: 'in-progress' });
    expect(capture.warnings().map((line) => line.msg)).toEqual([
      'took over an expired processed-message claim',
    ]);
  });

  it('lets exactly one of several concurrent redeliveries take over an expired lease', async () => {
    await store().claim(MSG_ID, CREATE_AT);
    now += LEASE_MS;
    const results = await Promise.all(Array.from({ length: 8 }, () => store().claim(MSG_ID, CREATE_AT)));
    expect(results.filter((result) => result.claimed)).toHaveLength(1);
    for (const result of results.filter((r) => !r.claimed)) {
      expect(result).toEqual({ claimed: false, state: 'in-progress' });
    }
  });

  it.each(['', '{"state":"claim', '{"state":"weird","at":1}', '[]'])(
    'treats an unreadable marker %j as delivering and logs it',
    async (content) => {
      await mkdir(join(dir, 'processed', '20240110'), { recursive: true });
      await writeFile(markerFile(), content);
      now += 10 * LEASE_MS;
      expect(await store().claim(MSG_ID, CREATE_AT)).toEqual({ claimed: false, state: 'delivering' });
      expect(capture.warnings()).toHaveLength(1);
    },
  );

  it.each([Number.NaN, Number.POSITIVE_INFINITY, 1e20])(
    'falls back to the clock day for a bad createAt %s',
    async (bad) => {
      now = Date.UTC(2024, 0, 11, 12);
      expect((await store().claim(MSG_ID, bad)).claimed).toBe(true);
      expect(await readdir(join(dir, 'processed'))).toEqual(['20240111']);
    },
  );

  it('prunes day directories older than the retention when a new day directory is created', async () => {
    const processed = join(dir, 'processed');
    for (const day of ['20231231', '20240105', '20240106', '20240107', '20240109', 'notes']) {
      await mkdir(join(processed, day), { recursive: true });
      await writeFile(join(processed, day, 'x.json'), '{}');
    }
    await store().claim(MSG_ID, CREATE_AT); // clock on 2024-01-10: keep 2024-01-07 onwards
    expect((await readdir(processed)).sort()).toEqual(['20240107', '20240109', '20240110', 'notes']);
  });

  it('does not prune when the day directory already exists', async () => {
    await store().claim(MSG_ID, CREATE_AT);
    await mkdir(join(dir, 'processed', '20240101'));
    await store().claim('another', CREATE_AT);
    expect((await readdir(join(dir, 'processed'))).sort()).toEqual(['20240101', '20240110']);
  });

  it('honours a custom retention and never prunes the bucket it is claiming in', async () => {
    const processed = join(dir, 'processed');
    await mkdir(join(processed, '20240109'), { recursive: true });
    now = Date.UTC(2024, 0, 20);
    // A late redelivery of an old message: its own (old) day is kept.
    expect((await store(1).claim(MSG_ID, CREATE_AT)).claimed).toBe(true);
    expect((await readdir(processed)).sort()).toEqual(['20240110']);
  });
});
