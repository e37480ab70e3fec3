import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findChromium, skippedLine, usualChromiumPaths } from '../helpers/find-chromium';

describe('finding a Chromium for the browser tests', () => {
  it('looks in the usual places on Linux (Debian and snap), macOS and Windows', () => {
    const paths = usualChromiumPaths({ PROGRAMFILES: 'C:\\Program Files' });
    expect(paths).toEqual(
      expect.arrayContaining([
        '/usr/bin/chromium',
        '/snap/bin/chromium',
        '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
        join('C:\\Program Files', 'Google', 'Chrome', 'Application', 'chrome.exe'),
      ]),
    );
  });

  it('reports a CHROMIUM_PATH that does not exist, and one that cannot start', async () => {
    expect(await findChromium({ CHROMIUM_PATH: '/nowhere/chromium' })).toEqual({
      missing: 'CHROMIUM_PATH=/nowhere/chromium does not exist',
    });
    const dir = await mkdtemp(join(tmpdir(), 'fake-chromium-'));
    try {
      const broken = join(dir, 'chromium');
      await writeFile(broken, '#!/bin/sh\necho "cannot open display" >&2\nexit 1\n');
      await chmod(broken, 0o755);
      const search = await findChromium({ CHROMIUM_PATH: broken });
      expect('missing' in search && search.missing).toMatch(new RegExp(`^${broken} did not start \\(`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says in one line that the browser tests were skipped and how to run them', () => {
    const line = skippedLine('no Chromium found');
    expect(line).not.toContain('\n');
    expect(line).toContain('Browser tests skipped: no Chromium found');
    expect(line).toContain('CHROMIUM_PATH');
    expect(line).toContain('已跳过浏览器测试');
  });
});
