import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileModeStore } from '../../../src/storage/file-mode-store';
import { historyKey } from '../../../src/storage/history-key';
import { createCaptureLogger, createTempDir } from './capture-logger';

describe('createFileModeStore', () => {
  let dir: string;
  let remove: () => Promise<void>;
  const key = historyKey(['sender', 'staff-9']);

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
  });
  afterEach(() => remove());

  it('has no mode for a new sender, then the latest choice', async () => {
    const store = createFileModeStore({ dir, logger: createCaptureLogger().logger });
    expect(await store.get(key)).toBeUndefined();
    await store.set(key, 'single');
    expect(await store.get(key)).toBe('single');
    await store.set(key, 'chain');
    expect(await store.get(key)).toBe('chain');
    await store.set(key, undefined);
    expect(await store.get(key)).toBeUndefined();
  });

  it('keeps senders apart', async () => {
    const store = createFileModeStore({ dir, logger: createCaptureLogger().logger });
    const other = historyKey(['sender', 'staff-10']);
    await store.set(key, 'single');
    expect(await store.get(other)).toBeUndefined();
  });

  it('keeps every concurrent change, and reads the newest', async () => {
    const store = createFileModeStore({ dir, logger: createCaptureLogger().logger });
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(key, i % 2 ? 'single' : 'chain')));
    const files = (await readdir(join(dir, 'modes', key))).filter((name) => name !== 'head.json');
    expect(files).toHaveLength(20);
    expect(['single', 'chain']).toContain(await store.get(key));
  });

  it('a torn newest file falls back to the previous choice and is logged, never thrown', async () => {
    const capture = createCaptureLogger();
    const store = createFileModeStore({ dir, logger: capture.logger });
    await store.set(key, 'single');
    await store.set(key, 'chain');
    await writeFile(join(dir, 'modes', key, '000000000002.json'), '{"v":1,"mo');
    expect(await store.get(key)).toBe('single');
    expect(capture.warnings().some((line) => line.msg === 'skipping unreadable mode file')).toBe(true);
  });

  it('refuses a key that is not a hash', async () => {
    const store = createFileModeStore({ dir, logger: createCaptureLogger().logger });
    await expect(store.get('../escape')).rejects.toThrow(TypeError);
  });
});
