import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createProcessedStore } from '../../../src/storage/processed-store';
import { createCaptureLogger, createTempDir } from './capture-logger';

// A full disk: the exclusive create succeeds, the write of the content fails.
const faults = vi.hoisted(() => ({ fullOnce: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const writeFile: typeof actual.writeFile = async (path, data, options) => {
    if (!faults.fullOnce) return actual.writeFile(path, data, options);
    faults.fullOnce = false;
    await actual.writeFile(path, '', options);
    throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
  };
  return { ...actual, writeFile };
});

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

  it('claims a new msgId once, in the UTC day folder of its own clock, without the raw id in the path', async () => {
    const first = await store().claim(MSG_ID);
    expect(first.claimed).toBe(true);
    expect(await readMarker()).toEqual({ state: 'claimed', at: now });
    // The clock has moved to the next UTC day: the redelivery still meets the marker in the earlier folder.
    now = CREATE_AT + 50_000;
    expect(await store().claim(MSG_ID)).toEqual({ claimed: false, state: 'in-progress' });
    expect(await readdir(join(dir, 'processed', '20240111'))).toEqual([]);
  });

  it('reports delivering, then done, after the owner marks them', async () => {
    const claim = await store().claim(MSG_ID);
    if (!claim.claimed) throw new Error('expected a claim');
    now += 1_000;
    await claim.markDelivering();
    expect(await readMarker()).toEqual({ state: 'delivering', at: now });
    now += 10 * LEASE_MS; // delivering never expires: part of the answer may be out
    expect(await store().claim(MSG_ID)).toEqual({ claimed: false, state: 'delivering' });
    await claim.markDone();
    expect(await readMarker()).toEqual({ state: 'done', at: now });
    expect(await store().claim(MSG_ID)).toEqual({ claimed: false, state: 'done' });
  });

  it('keeps other msgIds independent', async () => {
    expect((await store().claim(MSG_ID)).claimed).toBe(true);
    expect((await store().claim(`${MSG_ID}x`)).claimed).toBe(true);
  });

  it('takes over a claim whose lease expired, with a fresh lease', async () => {
    expect((await store().claim(MSG_ID)).claimed).toBe(true);
    now += LEASE_MS - 1;
    expect(await store().claim(MSG_ID)).toEqual({ claimed: false, state: 'in-progress' });
    now += 1;
    const takeover = await store().claim(MSG_ID);
    expect(takeover.claimed).toBe(true);
    expect(await readMarker()).toEqual({ state: 'claimed', at: now });
    expect(await store().claim(MSG_ID)).toEqual({ claimed: false, state: 'in-progress' });
    expect(capture.warnings().map((line) => line.msg)).toEqual([
      'took over an expired processed-message claim',
    ]);
  });

  it('lets exactly one of several concurrent redeliveries take over an expired lease', async () => {
    await store().claim(MSG_ID);
    now += LEASE_MS;
    const results = await Promise.all(Array.from({ length: 8 }, () => store().claim(MSG_ID)));
    expect(results.filter((result) => result.claimed)).toHaveLength(1);
    for (const result of results.filter((r) => !r.claimed)) {
      expect(result).toEqual({ claimed: false, state: 'in-progress' });
    }
  });

  it.each(['', '{"state":"claim', '{"state":"weird","at":1}', '[]'])(
    'treats an unreadable marker %j as in progress until its lease has passed, then takes it over once',
    async (content) => {
      await mkdir(join(dir, 'processed', '20240110'), { recursive: true });
      await writeFile(markerFile(), content);
      // A failed write leaves no time inside: the file's modification time stands in for it.
      await utimes(markerFile(), new Date(now), new Date(now));
      now += LEASE_MS - 1;
      expect(await store().claim(MSG_ID)).toEqual({ claimed: false, state: 'in-progress' });
      now += 1;
      const results = await Promise.all([store().claim(MSG_ID), store().claim(MSG_ID)]);
      expect(results.filter((result) => result.claimed)).toHaveLength(1);
      expect(await readMarker()).toEqual({ state: 'claimed', at: now });
      expect(capture.warnings().map((line) => line.readable)).toEqual([false]);
    },
  );

  it('removes the empty marker it created when the volume is full, so the message is not blocked', async () => {
    faults.fullOnce = true;
    await expect(store().claim(MSG_ID)).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await readdir(join(dir, 'processed', '20240110'))).toEqual([]);
    expect((await store().claim(MSG_ID)).claimed).toBe(true);
  });

  it('does not follow a symbolic link planted in place of a marker', async () => {
    const outside = join(dir, 'outside.json');
    await writeFile(outside, JSON.stringify({ state: 'done', at: now }));
    await mkdir(join(dir, 'processed', '20240110'), { recursive: true });
    await symlink(outside, markerFile());
    // The link is not read as a 'done' marker (it would silence the message) and nothing is written through it.
    await utimes(outside, new Date(now - 10 * LEASE_MS), new Date(now - 10 * LEASE_MS));
    const result = await store().claim(MSG_ID);
    expect(result).toEqual({ claimed: false, state: 'in-progress' });
    expect(JSON.parse(await readFile(outside, 'utf8'))).toEqual({ state: 'done', at: now });
  });

  it('prunes day directories older than the retention when a new day directory is created', async () => {
    const processed = join(dir, 'processed');
    for (const day of ['20231231', '20240105', '20240106', '20240107', '20240109', 'notes']) {
      await mkdir(join(processed, day), { recursive: true });
      await writeFile(join(processed, day, 'x.json'), '{}');
    }
    await store().claim(MSG_ID); // clock on 2024-01-10: keep 2024-01-07 onwards
    expect((await readdir(processed)).sort()).toEqual(['20240107', '20240109', '20240110', 'notes']);
  });

  it('does not prune when the day directory already exists', async () => {
    await store().claim(MSG_ID);
    await mkdir(join(dir, 'processed', '20240101'));
    await store().claim('another');
    expect((await readdir(join(dir, 'processed'))).sort()).toEqual(['20240101', '20240110']);
  });

  it('honours a custom retention', async () => {
    const processed = join(dir, 'processed');
    await mkdir(join(processed, '20240109'), { recursive: true });
    await mkdir(join(processed, '20240119'), { recursive: true });
    now = Date.UTC(2024, 0, 20, 12);
    expect((await store(1).claim(MSG_ID)).claimed).toBe(true);
    expect((await readdir(processed)).sort()).toEqual(['20240119', '20240120']);
  });
});
