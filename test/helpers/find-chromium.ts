import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/** Set (to 1) where a browser must be there, as in CI: then a missing or broken Chromium fails the run. */
export const REQUIRE_BROWSER_VARIABLE = 'REQUIRE_BROWSER_TESTS';

/** The flags every browser test launches Chromium with. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Where Chromium (or Chrome, or Edge) usually is, on Linux, macOS and Windows. */
export function usualChromiumPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const windows = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA]
    .filter((dir): dir is string => Boolean(dir))
    .flatMap((dir) => [
      join(dir, 'Google', 'Chrome', 'Application', 'chrome.exe'),
      join(dir, 'Chromium', 'Application', 'chrome.exe'),
      join(dir, 'Microsoft', 'Edge', 'Application', 'msedge.exe'),
    ]);
  return [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome-stable',
    '/usr/bin/google-chrome',
    '/snap/bin/chromium',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    ...windows,
  ];
}

/** The outcome of looking for a browser: a path that launches, or why the browser tests cannot run here. */
export type ChromiumSearch = { path: string } | { missing: string };

/**
 * Finds a Chromium the browser tests can drive: CHROMIUM_PATH when set (it must work), else the first of the usual
 * locations that exists. The one found is launched once, so a browser that cannot start here (a snap without
 * access to the temp directory, say) is reported rather than failing every test.
 */
export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumSearch> {
  const chosen = env.CHROMIUM_PATH?.trim();
  if (chosen && !existsSync(chosen)) return { missing: `CHROMIUM_PATH=${chosen} does not exist` };
  const path = chosen || usualChromiumPaths(env).find((candidate) => existsSync(candidate));
  if (!path) return { missing: 'no Chromium found' };
  try {
    const browser = await chromium.launch({ executablePath: path, args: CHROMIUM_ARGS, timeout: 30_000 });
    await browser.close();
  } catch (error) {
    const reason = String((error as Error).message ?? error).split('\n')[0];
    return { missing: `${path} did not start (${reason})` };
  }
  return { path };
}

/** The one line printed when the browser tests are skipped, saying how to run them. */
export function skippedLine(why: string): string {
  return (
    `Browser tests skipped: ${why}. To run them, install Chromium (Debian/Ubuntu: apt-get install chromium) ` +
    'or Chrome, or set CHROMIUM_PATH to its executable. / 未找到可用的 Chromium，已跳过浏览器测试；' +
    '安装 Chromium 或 Chrome，或把 CHROMIUM_PATH 设为浏览器程序路径即可运行。'
  );
}
