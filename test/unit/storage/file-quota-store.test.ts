import { createHash } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { messageEntryId } from '../../../src/storage/day-entry-name';
import { createFileQuotaStore } from '../../../src/storage/file-quota-store';
import type { MessageScope } from '../../../src/storage/message-scope';
import { meterVolume } from '../../../src/storage/metered-volume';
import { createNodeVolume } from '../../../src/storage/node-volume';
import type { Volume } from '../../../src/storage/volume';
import { createCaptureLogger, createTempDir } from './capture-logger';

const SHANGHAI = 'Asia/Shanghai';
const USER = '$:LWCP_v1:$Yb7Nc3Qw9Ze2Ur5Io8Pa1Sd4Fg6Hj0Kl';
const hash = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32);
// 2024-01-10 12:00 in Shanghai.
const NOON = Date.UTC(2024, 0, 10, 4, 0);

describe('createFileQuotaStore', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let capture: ReturnType<typeof createCaptureLogger>;
  let now: number;
  let started: number;
  const store = (options: { timeZone?: string; volume?: Volume; message?: MessageScope } = {}) =>
    createFileQuotaStore({
      volume: options.volume ?? createNodeVolume(dir),
      logger: capture.logger,
      // Time passes as it does (the settle wait relies on it), from the instant a test sets.
      clock: () => now + (Date.now() - started),
      timeZone: options.timeZone ?? SHANGHAI,
      ...(options.message ? { message: options.message } : {}),
    });
  const userDir = (day: string, user = USER) => join(dir, 'quota', day, hash(user));
  const entries = async () => readdir(userDir('20240110')).catch(() => []);

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
    capture = createCaptureLogger();
    now = NOON;
    started = Date.now();
  });
  afterEach(() => remove());

  it('allows max requests a day, then refuses, counting down what is left', async () => {
    const quota = store();
    expect(await quota.peek(USER, 3)).toEqual({ used: 0, remaining: 3 });
    expect(await quota.take(USER, 3, 'm1')).toEqual({ allowed: true, used: 1, remaining: 2 });
    expect(await quota.take(USER, 3, 'm2')).toEqual({ allowed: true, used: 2, remaining: 1 });
    expect(await quota.take(USER, 3, 'm3')).toEqual({ allowed: true, used: 3, remaining: 0 });
    expect(await quota.take(USER, 3, 'm4')).toEqual({ allowed: false, used: 3, remaining: 0 });
    expect(await quota.take(USER, 3, 'm5')).toEqual({ allowed: false, used: 3, remaining: 0 });
    expect(await quota.peek(USER, 3)).toEqual({ used: 3, remaining: 0 });
    // Refusals write nothing: a user hammering the robot does not grow the directory.
    expect(await entries()).toHaveLength(3);
  });

  it('keeps users apart, one empty entry per message named by its time and msgId, never a raw id', async () => {
    const quota = store();
    await quota.take(USER, 1, 'msg+/=');
    expect(await quota.take('staff-2', 1, 'm2')).toMatchObject({ allowed: true });
    expect(await quota.take(USER, 1, 'm3')).toMatchObject({ allowed: false });
    expect((await readdir(join(dir, 'quota', '20240110'))).sort()).toEqual(
      [hash(USER), hash('staff-2')].sort(),
    );
    expect(await entries()).toEqual([
      expect.stringMatching(new RegExp(`^\\d{13}-${messageEntryId('msg+/=')}$`)),
    ]);
  });

  it('does not count a redelivered msgId again, and gives it its first verdict', async () => {
    const quota = store();
    expect(await quota.take(USER, 2, 'same')).toEqual({ allowed: true, used: 1, remaining: 1 });
    expect(await quota.take(USER, 2, 'same')).toEqual({ allowed: true, used: 1, remaining: 1 });
    expect(await quota.take(USER, 2, 'other')).toEqual({ allowed: true, used: 2, remaining: 0 });
    expect(await quota.take(USER, 2, 'same')).toEqual({ allowed: true, used: 2, remaining: 0 });
    expect(await quota.take(USER, 2, 'third')).toMatchObject({ allowed: false });
    expect(await entries()).toHaveLength(2);
  });

  it('counts two entries of one message (two attempts at once) once', async () => {
    await mkdir(userDir('20240110'), { recursive: true });
    const id = messageEntryId('twice');
    await writeFile(join(userDir('20240110'), `${NOON - 5}-${id}`), '');
    await writeFile(join(userDir('20240110'), `${NOON - 3}-${id}`), '');
    expect(await store().peek(USER, 5)).toEqual({ used: 1, remaining: 4 });
    expect(await store().take(USER, 5, 'twice')).toEqual({ allowed: true, used: 1, remaining: 4 });
  });

  it('starts a new count at local midnight (Asia/Shanghai), not at UTC midnight', async () => {
    now = Date.UTC(2024, 0, 10, 15, 59); // 23:59 in Shanghai
    expect(await store().take(USER, 1, 'late')).toMatchObject({ allowed: true });
    expect(await store().take(USER, 1, 'later')).toMatchObject({ allowed: false });
    now = Date.UTC(2024, 0, 10, 16, 1); // 00:01 in Shanghai, still 2024-01-10 in UTC
    expect(await store().peek(USER, 1)).toEqual({ used: 0, remaining: 1 });
    expect(await store().take(USER, 1, 'early')).toMatchObject({ allowed: true });
    expect((await readdir(join(dir, 'quota'))).sort()).toEqual(['20240110', '20240111']);
  });

  it('follows the configured time zone', async () => {
    now = Date.UTC(2024, 0, 10, 16, 30); // 00:30 in Shanghai, 16:30 UTC
    await store({ timeZone: 'UTC' }).take(USER, 5, 'm1');
    await store().take(USER, 5, 'm2');
    expect((await readdir(join(dir, 'quota'))).sort()).toEqual(['20240110', '20240111']);
  });

  it('gives exactly max to many concurrent takers, and every one refused sees the day used up', async () => {
    const quota = store();
    const verdicts = await Promise.all(Array.from({ length: 30 }, (_, i) => quota.take(USER, 10, `m${i}`)));
    expect(verdicts.filter((verdict) => verdict.allowed)).toHaveLength(10);
    for (const verdict of verdicts.filter((v) => !v.allowed)) expect(verdict).toMatchObject({ used: 10 });
    expect(await quota.peek(USER, 10)).toEqual({ used: 10, remaining: 0 });
  });

  it('takes in three round trips: the day listed, its entry written, the day listed again once settled', async () => {
    const meter = meterVolume(createNodeVolume(dir));
    const started = performance.now();
    expect(await store({ volume: meter.volume }).take(USER, 20, 'taken')).toMatchObject({ allowed: true });
    expect(meter.counts().beforeModel).toEqual({ roundTrips: 3, ops: 3 });
    // It waits for takes of the same moment to land before the second listing.
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('writes a fresh entry when its write landed late, so a stalled instance cannot rank before others', async () => {
    const disk = createNodeVolume(dir);
    let stalls = 1;
    const stalling: Volume = {
      ...disk,
      async mark(path) {
        await disk.mark(path);
        // The instance loses the CPU right after its write: its entry's time is long past.
        if (stalls-- > 0) now += 1_000;
      },
    };
    expect(await store({ volume: stalling }).take(USER, 2, 'stalled')).toMatchObject({ allowed: true });
    const [entry, ...others] = await entries();
    expect(others).toEqual([]);
    expect(Number(entry?.slice(0, 13))).toBeGreaterThan(NOON + 1_000);
  });

  it('gives back what it took for a message that stopped before the model, later when told', async () => {
    const later: Array<() => Promise<void>> = [];
    const quota = store({ message: { later: (task) => later.push(task) } });
    await quota.take(USER, 2, 'given back');
    await quota.release(USER, 'given back');
    expect(await entries()).toHaveLength(1);
    await Promise.all(later.map((task) => task()));
    expect(await entries()).toEqual([]);
    await store().release(USER, 'never taken');
  });

  it('gives back a take started ahead of time while it is still under way, without waiting for it to settle', async () => {
    const quota = store();
    const started = performance.now();
    const taking = quota.take(USER, 2, 'stopped early');
    // Once its entry is written, the question stops (a failed download).
    while ((await entries()).length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    await quota.release(USER, 'stopped early');
    await taking;
    expect(await entries()).toEqual([]);
    expect(performance.now() - started).toBeLessThan(100);
    expect(await store().peek(USER, 2)).toEqual({ used: 0, remaining: 2 });
  });

  it('counts the day’s slots of the version before first, and honours its msgId markers', async () => {
    await mkdir(userDir('20240110'), { recursive: true });
    for (const seq of [1, 2, 3]) {
      await writeFile(join(userDir('20240110'), `${String(seq).padStart(12, '0')}.json`), '{"v":1,"at":1}');
    }
    await writeFile(join(userDir('20240110'), `m-${hash('old')}.json`), '{"v":1,"seq":1}');
    await writeFile(join(userDir('20240110'), 'head.json'), '{"seq":3}');
    expect(await store().peek(USER, 5)).toEqual({ used: 3, remaining: 2 });
    expect(await store().take(USER, 5, 'old')).toEqual({ allowed: true, used: 3, remaining: 2 });
    expect(await store().take(USER, 5, 'new')).toEqual({ allowed: true, used: 4, remaining: 1 });
    expect(await store().take(USER, 4, 'newer')).toEqual({ allowed: false, used: 4, remaining: 0 });
  });

  it('reports a smaller maximum as used up rather than negative', async () => {
    const quota = store();
    for (const id of ['a', 'b', 'c']) await quota.take(USER, 5, id);
    expect(await quota.peek(USER, 2)).toEqual({ used: 2, remaining: 0 });
    expect(await quota.take(USER, 2, 'd')).toEqual({ allowed: false, used: 2, remaining: 0 });
    expect(await quota.peek(USER, 10)).toEqual({ used: 3, remaining: 7 });
  });

  it.each([0, -1, 1.5, Number.NaN])(
    'rejects a maximum of %s (0 = unlimited is the caller’s job)',
    async (max) => {
      await expect(store().take(USER, max, 'm1')).rejects.toThrow(RangeError);
      await expect(store().peek(USER, max)).rejects.toThrow(RangeError);
    },
  );

  it('rejects an unknown time zone when created', () => {
    expect(() => store({ timeZone: 'Mars/Olympus_Mons' })).toThrow(RangeError);
  });

  it('never logs the user key or msgId', async () => {
    const quota = store();
    await Promise.all(Array.from({ length: 6 }, (_, i) => quota.take(USER, 2, `secret-msg-${i}`)));
    const logged = JSON.stringify(capture.lines);
    expect(logged).not.toContain(USER);
    expect(logged).not.toContain('secret-msg');
  });
});
