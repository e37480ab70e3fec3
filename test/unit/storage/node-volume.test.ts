import { mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeVolume } from '../../../src/storage/node-volume';
import { createTempDir } from './capture-logger';

describe('createNodeVolume', () => {
  let dir: string;
  let remove: () => Promise<void>;
  const volume = () => createNodeVolume(dir);

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
  });
  afterEach(() => remove());

  it('writes into folders it creates, reads back, and reports missing files and folders as absent', async () => {
    await volume().write('a/b/c.json', '{"x":1}');
    expect(await volume().read('a/b/c.json')).toBe('{"x":1}');
    expect(await volume().read('a/b/missing.json')).toBeUndefined();
    expect(await volume().read('nowhere/at/all')).toBeUndefined();
    expect(await volume().list('a/b')).toEqual(['c.json']);
    expect(await volume().list('a/none')).toEqual([]);
    expect(await volume().exists('a/b/c.json')).toBe(true);
    expect(await volume().exists('a/b/d.json')).toBe(false);
    expect(await volume().modifiedAt('a/b/d.json')).toBeUndefined();
    expect(await volume().modifiedAt('a/b/c.json')).toBeGreaterThan(0);
  });

  it('replaces on write, and creates exclusively only once', async () => {
    await volume().write('f', 'one');
    await volume().write('f', 'two');
    expect(await readFile(join(dir, 'f'), 'utf8')).toBe('two');
    expect(await volume().createExclusive('g/h', 'first')).toBe(true);
    expect(await volume().createExclusive('g/h', 'second')).toBe(false);
    expect(await readFile(join(dir, 'g', 'h'), 'utf8')).toBe('first');
  });

  it('reads files of any size whole, multi-byte characters across chunk boundaries included', async () => {
    const sizes = [0, 1, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 200_000];
    for (const size of sizes) {
      const text = '对'.repeat(Math.floor(size / 3)) + 'x'.repeat(size % 3);
      await volume().write(`sized/${size}`, text);
      expect(await volume().read(`sized/${size}`)).toBe(text);
    }
    await mkdir(join(dir, 'folder'));
    await expect(volume().read('folder')).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('leaves markers as names: made in missing folders, listed and removed like files, twice is once', async () => {
    await volume().mark('t/shard/ticket.claim');
    await volume().mark('t/shard/ticket.claim');
    await volume().write('t/shard/file.json', '{}');
    expect((await volume().list('t/shard')).sort()).toEqual(['file.json', 'ticket.claim']);
    expect(await volume().exists('t/shard/ticket.claim')).toBe(true);
    expect((await stat(join(dir, 't', 'shard', 'ticket.claim'))).isDirectory()).toBe(true);
    await volume().remove('t/shard/ticket.claim');
    expect(await volume().list('t/shard')).toEqual(['file.json']);
    // A name already taken, even by a link, counts as made; nothing is written through the link.
    await writeFile(join(dir, 'outside'), 'secret');
    await symlink(join(dir, 'outside'), join(dir, 't', 'shard', 'link'));
    await volume().mark('t/shard/link');
    expect(await readFile(join(dir, 'outside'), 'utf8')).toBe('secret');
    await expect(volume().mark('../escape')).rejects.toThrow(TypeError);
  });

  it('removes a file or a whole folder, and nothing when it is missing', async () => {
    await volume().write('day/1', '');
    await volume().write('day/sub/2', '');
    await volume().write('keep', '');
    await volume().remove('day');
    await volume().remove('keep');
    await volume().remove('never-there');
    expect(await readdir(dir)).toEqual([]);
  });

  it('never reads or writes through a symbolic link', async () => {
    const outside = join(dir, 'outside.json');
    await writeFile(outside, 'secret');
    await mkdir(join(dir, 'v'));
    await symlink(outside, join(dir, 'v', 'link.json'));
    await expect(volume().read('v/link.json')).rejects.toMatchObject({ code: 'ELOOP' });
    await expect(volume().write('v/link.json', 'overwritten')).rejects.toMatchObject({ code: 'ELOOP' });
    expect(await volume().createExclusive('v/link.json', 'x')).toBe(false);
    expect(await volume().exists('v/link.json')).toBe(true);
    expect(await readFile(outside, 'utf8')).toBe('secret');
  });

  it('accepts only relative paths of plain names', async () => {
    for (const path of ['../escape', '/etc/passwd', 'a/../../b', 'a//b', '', './a', 'a/b/..', 'a\u0000b']) {
      await expect(volume().read(path)).rejects.toThrow(TypeError);
      await expect(volume().write(path, 'x')).rejects.toThrow(TypeError);
      await expect(volume().remove(path)).rejects.toThrow(TypeError);
    }
    expect(await readdir(dir)).toEqual([]);
  });
});
