import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Playground, PlaygroundOptions } from '../../scripts/playground/playground';
import { CHROMIUM_ARGS } from './find-chromium';
import { startTestPlayground } from './playground-api';

/** How long one step in the page may take. */
export const STEP_MS = 20_000;

/** A playground with a Chromium page open on it, for the tests of one describe block. */
export interface PlaygroundPage {
  playground: Playground;
  browser: Browser;
  page: Page;
}

/**
 * Starts a playground (offline demo model, plain markdown answers, `env` as its .env, unless `options` say
 * otherwise) and opens it in Chromium before the block's tests; closes both after them, and fails the block if the
 * page threw an error. The returned object is filled in once the block's first beforeAll has run.
 */
export function usePlaygroundPage(
  chromiumPath: string,
  options: PlaygroundOptions & { env?: string } = {},
): PlaygroundPage {
  const session = {} as PlaygroundPage;
  const pageErrors: string[] = [];
  let stop = async () => {};
  beforeAll(async () => {
    const started = await startTestPlayground(options);
    session.playground = started.playground;
    stop = started.stop;
    session.browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
    session.page = await session.browser.newPage({ viewport: { width: 1280, height: 860 } });
    session.page.setDefaultTimeout(STEP_MS);
    session.page.on('pageerror', (error) => pageErrors.push(error.message));
    await session.page.goto(session.playground.url);
  });
  afterAll(async () => {
    await session.browser?.close();
    await stop();
    expect(pageErrors).toEqual([]);
  });
  return session;
}

/** Picks the member and the chat the page shows. */
export async function showChat(page: Page, staffId: string, chat: 'dm' | 'group'): Promise<void> {
  await page.getByTestId(`member-${staffId}`).click();
  await page.getByTestId(`chat-${chat}`).click();
}
