import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LegacyMarkerDays } from '../../../src/storage/legacy-marker-days';
import { createLegacyMarkerDays } from '../../../src/storage/legacy-marker-days';
import type { MessageScope } from '../../../src/storage/message-scope';
import { meterVolume } from '../../../src/storage/metered-volume';
import { createNodeVolume } from '../../../src/storage/node-volume';
import { createProcessedStore } from '../../../src/storage/processed-store';
import type { Volume } from '../../../src/storage/volume';
import { createCaptureLogger, createTempDir } from './capture-logger';

const MSG_ID = 'msgAb+/cD==';
const HASH = createHash('sha256').update(MSG_ID).digest('hex').slice(0, 32);
const SHARD = HASH.slice(0, 2);
const START = Date.UTC(2024, 0, 10, 23, 59, 30);
const LEASE_MS = 60_000;

describe('createProcessedStore', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let capture: ReturnType<typeof createCaptureLogger>;
  let now: number;
  const store = (options: { volume?: Volume; retentionDays?: number; message?: MessageScope } = {}) =>
    createProcessedStore({
      volume: options.volume ?? createNodeVolume(dir),
      logger: capture.logger,
      clock: () => now,
      leaseMs: LEASE_MS,
      ...(options.retentionDays === undefined ? {} : { retentionDays: options.retentionDays }),
      ...(options.message ? { message: options.message } : {}),
    });
  const tickets = async () => (await readdir(join(dir, 'processed', SHARD)).catch(() => [])).sort();
  const claimed = async () => {
    const claim = await store().claim(MSG_ID);
    if (!claim.claimed) throw new Error('expected a claim');
    return claim;
  };

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
    capture = createCaptureLogger();
    now = START;
  });
  afterEach(() => remove());

  it('claims a new msgId with a ticket named by its own clock, never by the raw id', async () => {
    await claimed();
    const [ticket, ...others] = await tickets();
    expect(others).toEqual([]);
    expect(ticket).toMatch(new RegExp(`^${HASH}\\.${START}-[0-9a-f]{16}\\.claim$`));
    // A marker: its name is the record, nothing is inside it.
    expect(await readdir(join(dir, 'processed', SHARD, ticket ?? ''))).toEqual([]);
    // Past UTC midnight the same shard answers: nothing moves with the day.
    now = START + 50_000;
    expect(await store().claim(MSG_ID)).toEqual({ claimed: false, state: 'in-progress' });
    expect(await tickets()).toEqual([ticket]);
  });

  it('costs two round trips when no one else is at the message: its ticket, then one listing', async () => {
    const meter = meterVolume(createNodeVolume(dir));
    expect((await store({ volume: meter.volume }).claim(MSG_ID)).claimed).toBe(true);
    expect(meter.counts().beforeModel.roundTrips).toBe(2);
  });

  it('reports delivering for good once the owner marks it, with no further write', async () => {
    const claim = await claimed();
    now += 1_000;
    await claim.markDelivering();
    now += 10 * LEASE_MS; // delivering never expires: part of the answer may be out
    expect(await store().claim(MSG_ID)).toEqual({ claimed: false, state: 'delivering' });
    expect((await tickets()).map((name) => name.split('.').at(-1))).toEqual(['claim', 'delivering']);
  });

  it("still honours the previous release's done tickets", async () => {
    const ticket = `${HASH}.${now - 10 * LEASE_MS}-${'3'.repeat(16)}`;
    await mkdir(join(dir, 'processed', SHARD), { recursive: true });
    for (const state of ['claim', 'delivering', 'done']) {
      await writeFile(join(dir, 'processed', SHARD, `${ticket}.${state}`), '');
    }
    expect(await store().claim(MSG_ID)).toEqual({ claimed: false, state: 'done' });
  });

  it('keeps other msgIds independent', async () => {
    await claimed();
    expect((await store().claim(`${MSG_ID}x`)).claimed).toBe(true);
  });

  it('lets exactly one of 8 attempts arriving at once answer', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => store().claim(MSG_ID)));
    expect(results.filter((result) => result.claimed)).toHaveLength(1);
    for (const result of results.filter((r) => !r.claimed)) {
      expect(result).toEqual({ claimed: false, state: 'in-progress' });
    }
  });

  it('takes over a claim whose lease expired, once among several redeliveries, with a fresh lease', async () => {
    await claimed();
    now += LEASE_MS - 1;
    expect(await store().claim(MSG_ID)).toEqual({ claimed: false, state: 'in-progress' });
    now += 1;
    const results = await Promise.all(Array.from({ length: 6 }, () => store().claim(MSG_ID)));
    expect(results.filter((result) => result.claimed)).toHaveLength(1);
    expect(await store().claim(MSG_ID)).toEqual({ claimed: false, state: 'in-progress' });
    expect(capture.warnings().map((line) => line.msg)).toContain(
      'took over an expired processed-message claim',
    );
  });

  it('leaves no ticket behind when its write fails (a full disk), so the message is not blocked', async () => {
    const disk = createNodeVolume(dir);
    const full: Volume = {
      ...disk,
      async mark(path) {
        // A step that failed after the name was made (a mount that made it, then lost the connection).
        await disk.mark(path);
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      },
    };
    await expect(store({ volume: full }).claim(MSG_ID)).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await tickets()).toEqual([]);
    expect((await store().claim(MSG_ID)).claimed).toBe(true);
  });

  it('removes other messages’ tickets past the retention from the shard it lists, later when told', async () => {
    const shard = join(dir, 'processed', SHARD);
    await mkdir(shard, { recursive: true });
    const old = `${'0'.repeat(32)}.${START - 4 * 86_400_000}-${'1'.repeat(16)}.done`;
    const recent = `${'0'.repeat(32)}.${START - 2 * 86_400_000}-${'2'.repeat(16)}.done`;
    // As old, but not a ticket: only what this store wrote is its to remove.
    const foreign = `${'0'.repeat(32)}.${START - 4 * 86_400_000}-not-a-ticket.done`;
    for (const name of [old, recent, foreign]) await writeFile(join(shard, name), '');
    const later: Array<() => Promise<void>> = [];
    await store({ message: { later: (task) => later.push(task) } }).claim(MSG_ID);
    expect(await tickets()).toContain(old);
    await Promise.all(later.map((task) => task()));
    expect(await tickets()).not.toContain(old);
    expect(await tickets()).toEqual(expect.arrayContaining([recent, foreign]));
  });

  it('honours a custom retention', async () => {
    const shard = join(dir, 'processed', SHARD);
    await mkdir(shard, { recursive: true });
    const twoDaysOld = `${'0'.repeat(32)}.${START - 2 * 86_400_000}-${'2'.repeat(16)}.done`;
    await writeFile(join(shard, twoDaysOld), '');
    await store({ retentionDays: 1 }).claim(MSG_ID);
    expect(await tickets()).not.toContain(twoDaysOld);
  });

  describe('markers of the version before (processed/<UTC day>/<hash>.json)', () => {
    const legacyFile = (day = '20240110') => join(dir, 'processed', day, `${HASH}.json`);
    const writeLegacy = async (content: string, day = '20240110') => {
      await mkdir(join(dir, 'processed', day), { recursive: true });
      await writeFile(legacyFile(day), content);
    };

    it.each([
      ['done', 'done'],
      ['delivering', 'delivering'],
      ['claimed', 'in-progress'],
    ])('a %s marker keeps the message from being answered again', async (state, expected) => {
      await writeLegacy(JSON.stringify({ state, at: now - 1_000 }));
      expect(await store().claim(MSG_ID)).toEqual({ claimed: false, state: expected });
      expect(await tickets()).toEqual([]);
    });

    it('is looked for in the previous day early in a new day', async () => {
      now = Date.UTC(2024, 0, 11, 0, 0, 10);
      await writeLegacy(JSON.stringify({ state: 'done', at: now - 20_000 }), '20240110');
      expect(await store().claim(MSG_ID)).toEqual({ claimed: false, state: 'done' });
    });

    it.each(['', '{"state":"claim', '[]'])(
      'an unreadable marker %j blocks until its lease has passed (by its modification time), then is taken over',
      async (content) => {
        await writeLegacy(content);
        await utimes(legacyFile(), new Date(now), new Date(now));
        now += LEASE_MS - 1;
        expect(await store().claim(MSG_ID)).toEqual({ claimed: false, state: 'in-progress' });
        now += 1;
        expect((await store().claim(MSG_ID)).claimed).toBe(true);
      },
    );

    it('an expired claim is taken over', async () => {
      await writeLegacy(JSON.stringify({ state: 'claimed', at: now - LEASE_MS }));
      expect((await store().claim(MSG_ID)).claimed).toBe(true);
    });

    describe('with the folders listed once per instance (createLegacyMarkerDays)', () => {
      const REFRESH_MS = 600_000;
      const withDays = (legacyDays: LegacyMarkerDays, volume: Volume = createNodeVolume(dir)) =>
        createProcessedStore({
          volume,
          logger: capture.logger,
          clock: () => now,
          leaseMs: LEASE_MS,
          legacyDays,
        });

      it('finds a marker in a listed folder, and looks for none when there is no folder', async () => {
        const days = createLegacyMarkerDays({ clock: () => now, refreshMs: REFRESH_MS });
        await writeLegacy(JSON.stringify({ state: 'done', at: now - 1_000 }));
        expect(await withDays(days).claim(MSG_ID)).toEqual({ claimed: false, state: 'done' });

        const fresh = createLegacyMarkerDays({ clock: () => now, refreshMs: REFRESH_MS });
        await rm(join(dir, 'processed', '20240110'), { recursive: true });
        const first = meterVolume(createNodeVolume(dir));
        expect((await withDays(fresh, first.volume).claim('first')).claimed).toBe(true);
        // Its ticket, the v1 folders' listing beside it, then the shard's listing.
        expect(first.counts().beforeModel).toEqual({ roundTrips: 2, ops: 3 });
        const second = meterVolume(createNodeVolume(dir));
        expect((await withDays(fresh, second.volume).claim('second')).claimed).toBe(true);
        expect(second.counts().beforeModel).toEqual({ roundTrips: 2, ops: 2 });
      });

      it('sees a folder created after its listing once the listing is due again', async () => {
        const days = createLegacyMarkerDays({ clock: () => now, refreshMs: REFRESH_MS });
        expect((await withDays(days).claim('other')).claimed).toBe(true);
        await writeLegacy(JSON.stringify({ state: 'done', at: now }));
        now += REFRESH_MS;
        expect(await withDays(days).claim(MSG_ID)).toEqual({ claimed: false, state: 'done' });
      });

      it('looks at both candidate days when the listing fails, and lists again next time', async () => {
        const days = createLegacyMarkerDays({ clock: () => now, refreshMs: REFRESH_MS });
        await writeLegacy(JSON.stringify({ state: 'delivering', at: now - 1_000 }));
        const disk = createNodeVolume(dir);
        let failures = 1;
        const flaky: Volume = {
          ...disk,
          list: (path) => {
            if (path === 'processed' && failures-- > 0) return Promise.reject(new Error('EIO'));
            return disk.list(path);
          },
        };
        expect(await withDays(days, flaky).claim(MSG_ID)).toEqual({ claimed: false, state: 'delivering' });
        expect((await days.list(flaky)).has('20240110')).toBe(true);
      });
    });

    it('is never followed through a symbolic link', async () => {
      const outside = join(dir, 'outside.json');
      await writeFile(outside, JSON.stringify({ state: 'done', at: now }));
      await mkdir(join(dir, 'processed', '20240110'), { recursive: true });
      await symlink(outside, legacyFile());
      // The link is not read as a 'done' marker (it would silence the message): it is a fresh unreadable one.
      expect(await store().claim(MSG_ID)).toEqual({ claimed: false, state: 'in-progress' });
      expect(JSON.parse(await readFile(outside, 'utf8'))).toEqual({ state: 'done', at: now });
    });
  });
});
