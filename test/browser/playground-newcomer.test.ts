import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { showChat, usePlaygroundPage } from '../helpers/playground-page';

// Found by the global setup; without one these tests are skipped (one line says how to run them).
const CHROMIUM = inject('chromiumPath');
const ZHANG_SAN = '0426581234567890'; // the playground's admin
const LI_SI = '1665012345698';
const WANG_WU = '2103456789012';

/** What a newcomer tried in the page, in a real browser: each of these once failed them. */
describe.skipIf(!CHROMIUM)('the playground page for a newcomer', () => {
  const session = usePlaygroundPage(CHROMIUM);
  let page: Page;
  beforeAll(() => {
    page = session.page;
  });

  const view = (staffId: string, chat: 'dm' | 'group') => showChat(page, staffId, chat);

  it('marks the admin and offers admin commands to the admin only, in a direct chat', async () => {
    await page.getByTestId(`admin-tag-${ZHANG_SAN}`).waitFor();
    expect(await page.locator('.admin-tag').count()).toBe(1);
    await view(ZHANG_SAN, 'dm');
    expect(await page.locator('.chat-subtitle').textContent()).toContain('张三（管理员）');
    await page.getByTestId('command-stats').waitFor();
    await page.getByTestId('command-lookup').waitFor();
    await view(LI_SI, 'dm');
    expect(await page.getByTestId('command-stats').count()).toBe(0);
    expect(await page.getByTestId('command-lookup').count()).toBe(0);
    await view(ZHANG_SAN, 'group');
    expect(await page.getByTestId('command-stats').count()).toBe(0);
    // The help the robot gives lists the admin commands to the admin only.
    await view(ZHANG_SAN, 'dm');
    await page.getByTestId('command-help').click();
    await page.getByTestId('message-robot').filter({ hasText: '管理员指令' }).waitFor();
  }, 60_000);

  it('keeps a second message sent while the first is still sending, and sends both in order', async () => {
    await view(WANG_WU, 'dm');
    // Hold the first send back, so the second is typed and sent while it is still on its way.
    let held = false;
    await page.route('**/api/messages', async (route) => {
      if (!held) {
        held = true;
        await new Promise((resolve) => setTimeout(resolve, 1500));
      }
      await route.continue();
    });
    const composer = page.getByTestId('composer');
    await composer.fill('第一条消息');
    await composer.press('Enter');
    await composer.fill('第二条消息');
    await composer.press('Enter');
    expect(await composer.inputValue()).toBe('');
    const mine = page.getByTestId('message-user');
    await mine.filter({ hasText: '第二条消息' }).waitFor();
    expect(await mine.allTextContents()).toEqual(['第一条消息', '第二条消息']);
    await page.unroute('**/api/messages');
    await page.getByTestId('message-robot').filter({ hasText: '第二条消息' }).waitFor();
  }, 60_000);

  it('counts characters, refuses more than DingTalk carries, and sends a 10,000-character message', async () => {
    await view(WANG_WU, 'dm');
    const composer = page.getByTestId('composer');
    const counter = page.getByTestId('composer-counter');
    await composer.fill('长'.repeat(20_001));
    expect(await counter.textContent()).toBe('20001 / 20000');
    expect(await counter.getAttribute('class')).toContain('over');
    expect(await page.getByTestId('send').isDisabled()).toBe(true);
    expect(await page.getByTestId('composer-error').textContent()).toContain('消息太长');
    await composer.press('Enter');
    expect(await composer.inputValue()).toHaveLength(20_001);

    // In the group the limit is one less: DingTalk's text keeps the space the @robot mention leaves.
    await view(WANG_WU, 'group');
    await composer.fill('长'.repeat(20_000));
    expect(await counter.textContent()).toBe('20000 / 19999');

    await view(WANG_WU, 'dm');
    await composer.fill('问'.repeat(10_000));
    expect(await counter.textContent()).toBe('10000 / 20000');
    expect(await page.getByTestId('composer-error').textContent()).toBe('');
    await composer.press('Enter');
    const path = page
      .getByTestId('path')
      .filter({ hasText: /^签名回调 → 200 · .* → 共 / })
      .last();
    await path.waitFor();
    await page.getByTestId('message-robot').filter({ hasText: '（共 10000 字）' }).waitFor();
  }, 60_000);

  it('shows the #图片 image, the path in Chinese, log lines split into entries, previews with underscores', async () => {
    await view(WANG_WU, 'dm');
    await page.getByTestId('command-image').click();
    const image = page.locator('[data-testid="message-robot"] img.md-image');
    await image.waitFor();
    await expect
      .poll(() => image.evaluate((element) => element.complete === true && element.naturalWidth > 0))
      .toBe(true);
    expect(await image.getAttribute('alt')).toBe('一只在钉钉上开会的猫');

    const composer = page.getByTestId('composer');
    await composer.fill('#翻译 snake_case_name');
    await composer.press('Enter');
    const path = page.getByTestId('path').filter({ hasText: '指令 模板提问' });
    await path.waitFor();
    await path.filter({ hasText: ' → 共 ' }).waitFor();
    expect(await path.textContent()).not.toMatch(/template/);
    await path.click();
    const fields = page.locator('.trace:not([hidden]) .trace-field');
    await fields.first().waitFor();
    // Every field narrower than the log pane sits on one line: lines wrap between entries only.
    const broken = await fields.evaluateAll((elements) =>
      elements
        .filter((element) => element.scrollWidth < (element.parentElement?.clientWidth ?? 0))
        .filter(
          (element) =>
            element.getBoundingClientRect().height >
            1.5 * Number.parseFloat(element.ownerDocument.defaultView.getComputedStyle(element).lineHeight),
        )
        .map((element) => element.textContent),
    );
    expect(broken).toEqual([]);
    await page.getByTestId('chat-dm').filter({ hasText: 'snake_case_name' }).waitFor();
  }, 60_000);

  it('sends a bare @-mention in the group, which the robot answers with its help', async () => {
    await view(LI_SI, 'group');
    const composer = page.getByTestId('composer');
    await composer.fill('');
    await page.getByTestId('send').click();
    const mention = page.getByTestId('message-user').filter({ hasText: /^@AI 助手\s*$/ });
    await mention.waitFor();
    const help = page.getByTestId('message-robot').filter({ hasText: '当前模式' });
    await help.waitFor();
    expect(await help.textContent()).not.toContain('#统计');
  }, 60_000);
});
