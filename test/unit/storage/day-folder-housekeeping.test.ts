import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDayFolderHousekeeping } from '../../../src/storage/day-folder-housekeeping';
import { meterVolume } from '../../../src/storage/metered-volume';
import { createNodeVolume } from '../../../src/storage/node-volume';
import { createCaptureLogger, createTempDir } from './capture-logger';

// 2024-01-10 12:00 in Shanghai, 04:00 UTC.
const NOON = Date.UTC(2024, 0, 10, 4, 0);

describe('createDayFolderHousekeeping', () => {
  let dir: string;
  let remove: () => Promise<void>;
  const housekeeping = () =>
    createDayFolderHousekeeping({ logger: createCaptureLogger().logger, timeZone: 'Asia/Shanghai' });
  const makeDays = async (root: string, days: string[]) => {
    for (const day of days) {
      await mkdir(join(dir, root, day), { recursive: true });
      await writeFile(join(dir, root, day, 'x'), '');
    }
  };

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
  });
  afterEach(() => remove());

  it('removes quota and usage days older than a week, and v1 processed days older than 3 days', async () => {
    await makeDays('quota', ['20231231', '20240102', '20240103', '20240109', 'notes']);
    await makeDays('usage', ['20240101', '20240103', '20240110']);
    await makeDays('processed', ['20240106', '20240107', '20240110', 'ab']);
    const sweep = housekeeping().start(createNodeVolume(dir), NOON);
    await sweep?.();
    expect((await readdir(join(dir, 'quota'))).sort()).toEqual(['20240103', '20240109', 'notes']);
    expect((await readdir(join(dir, 'usage'))).sort()).toEqual(['20240103', '20240110']);
    expect((await readdir(join(dir, 'processed'))).sort()).toEqual(['20240107', '20240110', 'ab']);
  });

  it('runs once a day per instance: later messages that day cost nothing', async () => {
    await makeDays('quota', ['20231231']);
    const keeper = housekeeping();
    const meter = meterVolume(createNodeVolume(dir));
    await keeper.start(meter.volume, NOON)?.();
    const first = meter.counts().beforeModel.ops;
    expect(first).toBeGreaterThan(0);
    expect(keeper.start(meter.volume, NOON + 3_600_000)).toBeUndefined();
    expect(meter.counts().beforeModel.ops).toBe(first);
    await makeDays('quota', ['20240102']);
    await keeper.start(meter.volume, NOON + 86_400_000)?.();
    expect(await readdir(join(dir, 'quota'))).toEqual([]);
  });

  it('lists the roots at once and removes nothing when nothing has expired or nothing exists', async () => {
    const sweep = housekeeping().start(createNodeVolume(dir), NOON);
    await expect(sweep?.()).resolves.toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
  });
});
