import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileModeStore } from '../../../src/storage/file-mode-store';
import { historyKey } from '../../../src/storage/history-key';
import type { MessageScope } from '../../../src/storage/message-scope';
import { meterVolume } from '../../../src/storage/metered-volume';
import { createNodeVolume } from '../../../src/storage/node-volume';
import { createCaptureLogger, createTempDir } from './capture-logger';

describe('createFileModeStore', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let capture: ReturnType<typeof createCaptureLogger>;
  let now: number;
  const key = historyKey(['sender', 'staff-9']);
  const store = (message?: MessageScope) =>
    createFileModeStore({
      volume: createNodeVolume(dir),
      logger: capture.logger,
      clock: () => now++,
      ...(message ? { message } : {}),
    });
  const names = () => readdir(join(dir, 'modes', key));

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
    capture = createCaptureLogger();
    now = Date.UTC(2024, 0, 10);
  });
  afterEach(() => remove());

  it('has no mode for a new sender, then the latest choice', async () => {
    expect(await store().get(key)).toBeUndefined();
    await store().set(key, 'single');
    expect(await store().get(key)).toBe('single');
    await store().set(key, 'chain');
    expect(await store().get(key)).toBe('chain');
    await store().set(key, undefined);
    expect(await store().get(key)).toBeUndefined();
  });

  it('keeps the choice in the name of an empty file, so one listing answers a read', async () => {
    await store().set(key, 'single');
    const [name] = await names();
    expect(name).toMatch(/^\d{13}-[0-9a-f]{16}-single$/);
    const meter = meterVolume(createNodeVolume(dir));
    expect(await createFileModeStore({ volume: meter.volume, logger: capture.logger }).get(key)).toBe(
      'single',
    );
    expect(meter.counts().beforeModel).toEqual({ roundTrips: 1, ops: 1 });
  });

  it('keeps senders apart', async () => {
    await store().set(key, 'single');
    expect(await store().get(historyKey(['sender', 'staff-10']))).toBeUndefined();
  });

  it('the latest of concurrent changes wins, and old choices are removed as new ones come', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => store().set(key, i % 2 ? 'single' : 'chain')));
    const newest = (await names()).sort().at(-1) ?? '';
    expect(await store().get(key)).toBe(newest.endsWith('-single') ? 'single' : 'chain');
    for (let i = 0; i < 6; i += 1) await store().set(key, 'single');
    expect(await names()).toHaveLength(4);
    expect(await store().get(key)).toBe('single');
  });

  it('within one message, removes old choices later, from the listing its read made', async () => {
    for (let i = 0; i < 5; i += 1) await store().set(key, 'chain');
    const later: Array<() => Promise<void>> = [];
    const scoped = store({ later: (task) => later.push(task) });
    expect(await scoped.get(key)).toBe('chain');
    await scoped.set(key, 'single');
    expect(await names()).toHaveLength(5);
    await Promise.all(later.map((task) => task()));
    expect(await names()).toHaveLength(4);
    expect(await store().get(key)).toBe('single');
  });

  describe('choices stored by earlier versions (v1 numbered files)', () => {
    const writeV1 = async (modes: string[]) => {
      await mkdir(join(dir, 'modes', key), { recursive: true });
      for (const [index, mode] of modes.entries()) {
        await writeFile(
          join(dir, 'modes', key, `${String(index + 1).padStart(12, '0')}.json`),
          JSON.stringify({ v: 1, mode, at: index }),
        );
      }
      await writeFile(join(dir, 'modes', key, 'head.json'), JSON.stringify({ seq: modes.length }));
    };

    it('are read while there is no new choice, a torn newest one falling back to the one before', async () => {
      await writeV1(['chain', 'single']);
      expect(await store().get(key)).toBe('single');
      await writeFile(join(dir, 'modes', key, '000000000002.json'), '{"v":1,"mo');
      expect(await store().get(key)).toBe('chain');
      expect(capture.warnings().some((line) => line.msg === 'skipping unreadable mode file')).toBe(true);
    });

    it('give way to a new choice, and are removed with it', async () => {
      await writeV1(['single']);
      await store().set(key, 'chain');
      expect(await store().get(key)).toBe('chain');
      expect(await names()).toHaveLength(1);
    });
  });

  it('refuses a key that is not a hash', async () => {
    await expect(store().get('../escape')).rejects.toThrow(TypeError);
    await expect(store().set('../escape', 'single')).rejects.toThrow(TypeError);
  });
});
