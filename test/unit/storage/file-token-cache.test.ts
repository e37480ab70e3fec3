import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileTokenCache } from '../../../src/storage/file-token-cache';
import { createNodeVolume } from '../../../src/storage/node-volume';

const APP_KEY = 'dingtokencache0001';
const NOW = 1_718_000_000_000;
let dir: string;
let now = NOW;
const clock = () => now;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'token-cache-test-'));
  now = NOW;
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fileOf = (appKey: string) =>
  join(dir, 'tokens', `${createHash('sha256').update(appKey).digest('hex').slice(0, 32)}.json`);

describe('file token cache', () => {
  it('round-trips a token under tokens/<sha256(appKey) hex 32>.json, readable only by the owner', async () => {
    const cache = createFileTokenCache({ volume: createNodeVolume(dir), clock });

    expect(await cache.get(APP_KEY)).toBeUndefined();
    await cache.put(APP_KEY, 'token-one', NOW + 7_200_000);

    expect(await cache.get(APP_KEY)).toEqual({ token: 'token-one', expiresAt: NOW + 7_200_000 });
    expect(await readdir(join(dir, 'tokens'))).toEqual([fileOf(APP_KEY).split('/').at(-1)]);
    expect((await stat(fileOf(APP_KEY))).mode & 0o077).toBe(0);
    // Another instance (a cold start) reads the same file.
    expect(await createFileTokenCache({ volume: createNodeVolume(dir), clock }).get(APP_KEY)).toEqual({
      token: 'token-one',
      expiresAt: NOW + 7_200_000,
    });
  });

  it('keeps one token per app and replaces it on the next put', async () => {
    const cache = createFileTokenCache({ volume: createNodeVolume(dir), clock });

    await cache.put(APP_KEY, 'token-one', NOW + 1000);
    await cache.put('dingotherapp0002', 'token-other', NOW + 1000);
    await cache.put(APP_KEY, 'token-two', NOW + 2000);

    expect(await cache.get(APP_KEY)).toEqual({ token: 'token-two', expiresAt: NOW + 2000 });
    expect(await cache.get('dingotherapp0002')).toEqual({ token: 'token-other', expiresAt: NOW + 1000 });
  });

  it('ignores an expired token', async () => {
    const cache = createFileTokenCache({ volume: createNodeVolume(dir), clock });
    await cache.put(APP_KEY, 'token-one', NOW + 1000);

    now = NOW + 1000;

    expect(await cache.get(APP_KEY)).toBeUndefined();
  });

  it.each([
    ['a torn file', '{"accessToken":"tok'],
    ['an empty file', ''],
    ['a file without expiresAt', '{"accessToken":"token-one"}'],
    ['an empty token', `{"accessToken":"","expiresAt":${NOW + 1000}}`],
    ['JSON null', 'null'],
  ])('ignores %s', async (_name, content) => {
    const cache = createFileTokenCache({ volume: createNodeVolume(dir), clock });
    await cache.put(APP_KEY, 'token-one', NOW + 1000);
    await writeFile(fileOf(APP_KEY), content);

    expect(await cache.get(APP_KEY)).toBeUndefined();
  });

  it('rejects a put it cannot write, so the caller can log and go on', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'not a directory');
    const cache = createFileTokenCache({ volume: createNodeVolume(blocker), clock });

    await expect(cache.put(APP_KEY, 'token-one', NOW + 1000)).rejects.toMatchObject({ code: 'ENOTDIR' });
    expect(await cache.get(APP_KEY)).toBeUndefined();
  });
});
