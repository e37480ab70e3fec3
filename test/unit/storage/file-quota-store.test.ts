import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileQuotaStore } from '../../../src/storage/file-quota-store';
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
  const store = (timeZone = SHANGHAI) =>
    createFileQuotaStore({ dir, logger: capture.logger, clock: () => now, timeZone });
  const userDir = (day: string, user = USER) => join(dir, 'quota', day, hash(user));

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
    capture = createCaptureLogger();
    now = NOON;
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
    const slots = (await readdir(userDir('20240110'))).filter((name) => /^\d{12}\.json$/.test(name));
    expect(slots).toHaveLength(3);
  });

  it('keeps users apart and never puts a raw id in a path', async () => {
    const quota = store();
    await quota.take(USER, 1, 'm1');
    expect(await quota.take('staff-2', 1, 'm2')).toMatchObject({ allowed: true });
    expect(await quota.take(USER, 1, 'm3')).toMatchObject({ allowed: false });
    const names = await readdir(join(dir, 'quota', '20240110'));
    expect(names.sort()).toEqual([hash(USER), hash('staff-2')].sort());
    const files = await readdir(userDir('20240110'));
    for (const name of files) expect(name).toMatch(/^(\d{12}|m-[0-9a-f]{32}|head)\.json$/);
  });

  it('does not take a second slot for a redelivered msgId', async () => {
    const quota = store();
    expect(await quota.take(USER, 2, 'same')).toEqual({ allowed: true, used: 1, remaining: 1 });
    expect(await quota.take(USER, 2, 'same')).toEqual({ allowed: true, used: 1, remaining: 1 });
    expect(await quota.take(USER, 2, 'other')).toEqual({ allowed: true, used: 2, remaining: 0 });
    // Its slot was allowed, so it stays allowed even once the day is used up.
    expect(await quota.take(USER, 2, 'same')).toEqual({ allowed: true, used: 2, remaining: 0 });
    expect(await quota.take(USER, 2, 'third')).toMatchObject({ allowed: false });
  });

  it('starts a new count at local midnight (Asia/Shanghai), not at UTC midnight', async () => {
    const quota = store();
    now = Date.UTC(2024, 0, 10, 15, 59); // 23:59 in Shanghai
    expect(await quota.take(USER, 1, 'late')).toMatchObject({ allowed: true });
    expect(await quota.take(USER, 1, 'later')).toMatchObject({ allowed: false });
    now = Date.UTC(2024, 0, 10, 16, 1); // 00:01 in Shanghai, still 2024-01-10 in UTC
    expect(await quota.peek(USER, 1)).toEqual({ used: 0, remaining: 1 });
    expect(await quota.take(USER, 1, 'early')).toMatchObject({ allowed: true });
    expect((await readdir(join(dir, 'quota'))).sort()).toEqual(['20240110', '20240111']);
  });

  it('follows the configured time zone', async () => {
    now = Date.UTC(2024, 0, 10, 16, 30); // 00:30 in Shanghai, 16:30 UTC
    await store('UTC').take(USER, 5, 'm1');
    await store(SHANGHAI).take(USER, 5, 'm2');
    expect((await readdir(join(dir, 'quota'))).sort()).toEqual(['20240110', '20240111']);
  });

  it('does not hand out a used slot again when the head hint is stale', async () => {
    // Another instance took slots 2 and 3 but its hint write was lost: the slot files are the truth.
    const quota = store();
    await quota.take(USER, 3, 'm1');
    for (const seq of [2, 3]) {
      await writeFile(join(userDir('20240110'), `${String(seq).padStart(12, '0')}.json`), '{"v":1,"at":1}');
    }
    await writeFile(join(userDir('20240110'), 'head.json'), '{"seq":1}');
    expect(await store().take(USER, 3, 'm4')).toEqual({ allowed: false, used: 3, remaining: 0 });
    expect(await store().take(USER, 4, 'm5')).toEqual({ allowed: true, used: 4, remaining: 0 });
  });

  it('gives exactly max slots to many concurrent takers; every slot above max belongs to a refused taker', async () => {
    const quota = store();
    const verdicts = await Promise.all(Array.from({ length: 30 }, (_, i) => quota.take(USER, 10, `m${i}`)));
    expect(verdicts.filter((verdict) => verdict.allowed)).toHaveLength(10);
    for (const verdict of verdicts.filter((v) => !v.allowed)) expect(verdict).toMatchObject({ used: 10 });
    expect(await quota.peek(USER, 10)).toEqual({ used: 10, remaining: 0 });
    const slots = (await readdir(userDir('20240110'))).filter((name) => /^\d{12}\.json$/.test(name));
    const lost = capture.lines.filter(
      (line) => line.msg === 'quota slot lost to a concurrent request; refused',
    );
    expect(lost).toHaveLength(slots.length - 10);
    const markers = (await readdir(userDir('20240110'))).filter((name) => name.startsWith('m-'));
    expect(markers).toHaveLength(10);
  });

  it('reports a smaller maximum as used up rather than negative', async () => {
    const quota = store();
    for (const id of ['a', 'b', 'c']) await quota.take(USER, 5, id);
    expect(await quota.peek(USER, 2)).toEqual({ used: 2, remaining: 0 });
    expect(await quota.take(USER, 2, 'd')).toEqual({ allowed: false, used: 2, remaining: 0 });
    expect(await quota.peek(USER, 10)).toEqual({ used: 3, remaining: 7 });
  });

  it('stores the slot and msgId marker in the documented layout', async () => {
    await store().take(USER, 5, 'msg+/=');
    const slot = JSON.parse(await readFile(join(userDir('20240110'), '000000000001.json'), 'utf8'));
    expect(slot).toEqual({ v: 1, at: NOON });
    const marker = JSON.parse(await readFile(join(userDir('20240110'), `m-${hash('msg+/=')}.json`), 'utf8'));
    expect(marker).toEqual({ v: 1, seq: 1 });
  });

  it('ignores an unreadable msgId marker and takes a slot', async () => {
    await mkdir(userDir('20240110'), { recursive: true });
    await writeFile(join(userDir('20240110'), `m-${hash('m1')}.json`), '{"v":1,"se');
    expect(await store().take(USER, 5, 'm1')).toEqual({ allowed: true, used: 1, remaining: 4 });
  });

  it('prunes day directories older than 7 days when a new day directory is created', async () => {
    const root = join(dir, 'quota');
    for (const day of ['20231231', '20240102', '20240103', '20240109', 'notes']) {
      await mkdir(join(root, day, 'x'), { recursive: true });
    }
    await store().take(USER, 5, 'm1'); // 2024-01-10: keep 2024-01-03 onwards
    expect((await readdir(root)).sort()).toEqual(['20240103', '20240109', '20240110', 'notes']);
    // The day exists now: a later taker does not list or prune.
    await mkdir(join(root, '20240101'));
    await store().take('staff-2', 5, 'm2');
    expect((await readdir(root)).sort()).toEqual(['20240101', '20240103', '20240109', '20240110', 'notes']);
  });

  it.each([0, -1, 1.5, Number.NaN])(
    'rejects a maximum of %s (0 = unlimited is the caller’s job)',
    async (max) => {
      await expect(store().take(USER, max, 'm1')).rejects.toThrow(RangeError);
      await expect(store().peek(USER, max)).rejects.toThrow(RangeError);
    },
  );

  it('rejects an unknown time zone when created', () => {
    expect(() => store('Mars/Olympus_Mons')).toThrow(RangeError);
  });

  it('never logs the user key or msgId', async () => {
    const quota = store();
    await Promise.all(Array.from({ length: 6 }, (_, i) => quota.take(USER, 2, `secret-msg-${i}`)));
    const logged = JSON.stringify(capture.lines);
    expect(logged).not.toContain(USER);
    expect(logged).not.toContain('secret-msg');
  });
});
