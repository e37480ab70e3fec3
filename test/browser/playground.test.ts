import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Playground } from '../../scripts/playground/playground';
import { startPlayground } from '../../scripts/playground/playground';
import { CHROMIUM_ARGS } from '../helpers/find-chromium';

// Found by the global setup; without one these tests are skipped (one line says how to run them).
const CHROMIUM = inject('chromiumPath');
const STEP_MS = 20_000;
const ZHANG_SAN = '0426581234567890';
const LI_SI = '1665012345698';
const TIME = String.raw`[\d.]+ m?s`;
const FULL_PATH = new RegExp(
  `^签名回调 → 200 · ${TIME} → 异步调用 FC 3\\.0 → 模型 ${TIME} → Webhook 1 段 · ${TIME} → 共 ${TIME}$`,
);

describe.skipIf(!CHROMIUM)('playground page in a real browser', () => {
  let dataDir: string;
  let playground: Playground | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const requests: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'playground-browser-'));
    playground = await startPlayground({ port: 0, dataDir, envFile: null, printLogs: false, cards: false });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.setDefaultTimeout(STEP_MS);
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await playground?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('chats in a DM and in the group, shows each message’s path, and stays on the machine', async () => {
    const url = playground!.url;
    await page.goto(url);

    const banner = page.getByTestId('demo-banner');
    await banner.waitFor({ state: 'visible' });
    expect(await banner.textContent()).toMatch(/^离线演示模型 — .*OPENAI_API_KEY.*README/);

    // 张三 asks the robot in their DM, sending with Enter.
    await page.getByTestId(`member-${ZHANG_SAN}`).click();
    await page.getByTestId('chat-dm').click();
    expect(await page.locator('.chat-title').textContent()).toBe('AI 助手');
    await page.getByTestId('composer').fill('你好');
    await page.getByTestId('composer').press('Enter');
    await page.getByTestId('message-user').filter({ hasText: '你好' }).waitFor();
    const answer = page.getByTestId('message-robot').filter({ hasText: '离线演示' });
    await answer.waitFor();
    // The answer is markdown rendered as HTML, not shown raw.
    expect(await answer.locator('strong').first().textContent()).toBe('离线演示模型');
    expect(await answer.textContent()).not.toContain('**');
    expect(await page.getByTestId('composer').inputValue()).toBe('');
    // Log lines and the reply's end arrive by different channels, so wait for the whole path, not its last step.
    const path = page.getByTestId('path').filter({ hasText: FULL_PATH }).first();
    await path.waitFor();
    expect(await path.textContent()).toMatch(FULL_PATH);
    // The path expands into both functions' log lines.
    await path.click();
    const trace = page.locator('.trace:not([hidden])').first();
    await trace.waitFor();
    expect(await trace.locator('.fn-conversation').count()).toBeGreaterThan(0);
    expect(await trace.locator('.fn-reply').count()).toBeGreaterThan(0);

    // The command button sends \clear.
    await page.getByTestId('command-clear').click();
    await page.getByTestId('message-user').filter({ hasText: '\\clear' }).waitFor();
    await page.getByTestId('message-robot').filter({ hasText: '已清空' }).waitFor();
    expect(await page.getByTestId('message-robot').count()).toBe(2);

    // The help button sends 帮助; the answer's command table renders as a table.
    await page.getByTestId('command-help').click();
    const help = page.getByTestId('message-robot').filter({ hasText: '当前模式' });
    await help.waitFor();
    expect(await help.locator('table tr').count()).toBeGreaterThan(5);
    await page.getByTestId('command-single').click();
    await page.getByTestId('message-robot').filter({ hasText: '已切换到单聊模式' }).waitFor();
    await page.getByTestId('command-reset').click();
    await page.getByTestId('message-robot').filter({ hasText: '已重置' }).waitFor();
    expect(await page.getByTestId('message-robot').count()).toBe(5);

    // 李四 opens the group: 张三's DM is not there; the question goes out with the send button.
    await page.getByTestId(`member-${LI_SI}`).click();
    await page.getByTestId('chat-group').click();
    expect(await page.locator('.chat-title').textContent()).toBe('产品研发群');
    expect(await page.getByTestId('message-user').count()).toBe(0);
    await page.getByTestId('composer').fill('明天的发布计划是什么？');
    await page.getByTestId('send').click();
    const question = page.getByTestId('message-user').filter({ hasText: '明天的发布计划是什么？' });
    await question.waitFor();
    expect(await question.textContent()).toBe('@AI 助手 明天的发布计划是什么？');
    expect(await page.locator('.message.own [data-testid="message-user"]').count()).toBe(1);
    const mention = page.locator('[data-testid="message-robot"] .mention');
    await mention.first().waitFor();
    expect(await mention.first().textContent()).toBe('@李四');
    expect(await mention.first().getAttribute('data-staff-id')).toBe(LI_SI);
    expect(await page.getByTestId('message-robot').first().textContent()).not.toContain(LI_SI);
    await page.getByTestId('path').filter({ hasText: '共' }).first().waitFor();
    await page.screenshot({ path: '/tmp/playground.png' });

    // 张三 sees 李四's question in the group on the left, under 李四's name.
    await page.getByTestId(`member-${ZHANG_SAN}`).click();
    const fromLiSi = page.locator('.message.other', { has: page.getByTestId('message-user') });
    await fromLiSi.first().waitFor();
    expect(await fromLiSi.first().locator('.nick').textContent()).toBe('李四');

    // A reload replays /api/state: the same view (remembered), each message once, paths included.
    await page.reload();
    await page.locator('[data-testid="message-robot"] .mention').first().waitFor();
    expect(await page.locator('.chat-title').textContent()).toBe('产品研发群');
    expect(await page.getByTestId('message-user').count()).toBe(1);
    expect(await page.getByTestId('message-robot').count()).toBe(1);
    expect(await page.getByTestId('path').first().textContent()).toMatch(/^签名回调 → 200 · .* → 共 /);

    expect(pageErrors).toEqual([]);
    const origin = new URL(url).origin;
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((request) => new URL(request).origin !== origin)).toEqual([]);
  }, 120_000);

  it('streams answers into AI cards that grow live and end finalized (the playground default)', async () => {
    const cardsDir = await mkdtemp(join(tmpdir(), 'playground-cards-'));
    const withCards = await startPlayground({ port: 0, dataDir: cardsDir, envFile: null, printLogs: false });
    try {
      const cardPage = await browser!.newPage({ viewport: { width: 1280, height: 860 } });
      cardPage.setDefaultTimeout(STEP_MS);
      const seen: string[] = [];
      cardPage.on('pageerror', (error) => seen.push(error.message));
      await cardPage.goto(withCards.url);
      // Every state the card passes through while it streams, as the page showed it (outside code).
      await cardPage.evaluate(`
        window.cardTexts = [];
        new MutationObserver(() => {
          for (const card of document.querySelectorAll('[data-testid="message-card"]')) {
            // Code may contain ** (a comment, a power): only the text outside code counts.
            const prose = card.cloneNode(true);
            for (const code of prose.querySelectorAll('pre, code')) code.remove();
            window.cardTexts.push(prose.textContent);
          }
        }).observe(document.body, { subtree: true, childList: true, characterData: true });
      `);
      await cardPage.getByTestId(`member-${ZHANG_SAN}`).click();
      await cardPage.getByTestId('chat-dm').click();
      await cardPage.getByTestId('composer').fill('写段代码');
      await cardPage.getByTestId('send').click();
      const card = cardPage.getByTestId('message-card').first();
      await card.waitFor();
      // While DingTalk streams into it the card is marked as streaming; it ends finalized with the whole answer.
      await cardPage.locator('[data-testid="message-card"][data-finalized="true"]').first().waitFor();
      expect(await card.textContent()).toContain('离线演示');
      expect(await card.locator('pre code').count()).toBe(1);
      // The answer starts in bold and streams in 4-character pieces: no state may show a raw marker.
      const cardTexts = (await cardPage.evaluate('window.cardTexts')) as string[];
      expect(cardTexts.length).toBeGreaterThan(1);
      expect(cardTexts.filter((text) => text.includes('**'))).toEqual([]);
      expect(await cardPage.locator('.card-status').first().textContent()).toMatch(/AI 卡片 · \d+ 次更新/);
      await cardPage
        .getByTestId('path')
        .filter({ hasText: /AI 卡片 · \d+ 次 OpenAPI 调用/ })
        .first()
        .waitFor();

      // In the group the card is delivered @-mentioning the asker.
      await cardPage.getByTestId(`member-${LI_SI}`).click();
      await cardPage.getByTestId('chat-group').click();
      await cardPage.getByTestId('composer').fill('明天的发布计划是什么？');
      await cardPage.getByTestId('send').click();
      const groupCard = cardPage.locator('[data-testid="message-card"][data-finalized="true"]').first();
      await groupCard.waitFor();
      expect(await groupCard.locator('.mention').first().textContent()).toBe('@李四');
      await cardPage.screenshot({ path: '/tmp/playground-cards.png' });
      expect(seen).toEqual([]);
      await cardPage.close();
    } finally {
      await withCards.close();
      await rm(cardsDir, { recursive: true, force: true });
    }
  }, 120_000);
});
