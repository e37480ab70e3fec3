import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { encodePng } from '../../scripts/test-files/png';
import { showChat, usePlaygroundPage } from '../helpers/playground-page';

// Found by the global setup; without one these tests are skipped (one line says how to run them).
const CHROMIUM = inject('chromiumPath');
const ZHANG_SAN = '0426581234567890';
const LI_SI = '1665012345698';
const WANG_WU = '2103456789012';

/** Sending pictures, voice, files and quotes from the page, as a member would, in a real browser. */
describe.skipIf(!CHROMIUM)('the playground page sends pictures, voice, files and quotes', () => {
  const session = usePlaygroundPage(CHROMIUM);
  let page: Page;
  beforeAll(() => {
    page = session.page;
  });

  const view = (staffId: string, chat: 'dm' | 'group') => showChat(page, staffId, chat);

  /** The robot's answer that contains `text` (waits for it). */
  async function answer(text: string | RegExp) {
    const found = page.getByTestId('message-robot').filter({ hasText: text }).last();
    await found.waitFor();
    return (await found.textContent()) ?? '';
  }

  /** Quotes the last message of `kind` whose bubble contains `text`. */
  async function quote(kind: 'user' | 'robot', text: string) {
    const bubble = page.getByTestId(`message-${kind}`).filter({ hasText: text });
    const message = page.locator('.message', { has: bubble }).last();
    await message.hover();
    await message.getByTestId('quote').click();
  }

  it('a sample picture shows as a thumbnail, and the answer names its type, pixels and size', async () => {
    await view(ZHANG_SAN, 'dm');
    await page.getByTestId('tool-picture').click();
    await page.getByTestId('picture-menu').waitFor();
    await page.getByTestId('sample-picture-1').click();
    await page.getByTestId('draft-picture').waitFor();
    expect(await page.getByTestId('composer').inputValue()).toBe('[图片1]');
    await page.getByTestId('send').click();
    const thumbnail = page.getByTestId('message-user').last().getByTestId('picture');
    await thumbnail.waitFor();
    await expect
      .poll(() => thumbnail.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
      .toBe(240);
    const text = await answer('收到了 1 张图片');
    expect(text).toMatch(/PNG 图片（image\/png），240×160 像素，\d+ 字节/);
    expect(await page.getByTestId('draft-picture').count()).toBe(0);
  });

  it('a picture with text goes out in the written order; an uploaded picture too', async () => {
    const composer = page.getByTestId('composer');
    await composer.fill('左边是示例图');
    await page.getByTestId('tool-picture').click();
    await page.getByTestId('sample-picture-2').click();
    await composer.press('End');
    await composer.type('，右边是我上传的');
    await upload(page, 'picture', {
      name: '我的截图.png',
      mimeType: 'image/png',
      buffer: Buffer.from(encodePng(64, 48, new Uint8Array(64 * 48 * 3).fill(200))),
    });
    await page.getByTestId('draft-picture').nth(1).waitFor();
    expect(await composer.inputValue()).toBe('左边是示例图[图片1]，右边是我上传的[图片2]');
    await composer.press('Enter');
    const sent = page.getByTestId('message-user').last();
    await sent.getByTestId('picture').nth(1).waitFor();
    // Text and pictures in the bubble in the order written.
    const order = await sent.evaluate((bubble) =>
      [...bubble.children].map((child) => (child.matches('.thumb-link') ? '[图]' : child.textContent)),
    );
    expect(order).toEqual(['左边是示例图', '[图]', '，右边是我上传的', '[图]']);
    const text = await answer('收到了 2 张图片');
    expect(text).toMatch(/PNG 图片（image\/png），240×160 像素.*PNG 图片（image\/png），64×48 像素/);
    expect(text).toContain('图片附带的文字：「左边是示例图，右边是我上传的」');
  });

  it('deleting a picture’s marker removes the picture; a file that is no picture is refused in Chinese', async () => {
    await page.getByTestId('tool-picture').click();
    await page.getByTestId('sample-picture-3').click();
    await page.getByTestId('draft-picture').waitFor();
    await page.getByTestId('composer').fill('没有图了');
    expect(await page.getByTestId('draft-picture').count()).toBe(0);
    await page.getByTestId('composer').fill('');
    await upload(page, 'picture', {
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('文字'),
    });
    await page.getByTestId('composer-error').filter({ hasText: '不是图片' }).waitFor();
    expect(await page.getByTestId('composer-error').textContent()).toBe(
      '「notes.txt」不是图片（PNG、JPEG、GIF、WEBP），请用「文件」发送',
    );
  });

  it('voice mode sends what is typed as a voice message; saying nothing gets 没听清', async () => {
    await page.getByTestId('tool-voice').click();
    expect(await page.getByTestId('tool-voice').getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByTestId('send').textContent()).toBe('发送语音');
    await page.getByTestId('composer').fill('明天上午的会几点开始');
    await page.getByTestId('composer').press('Enter');
    const bubble = page.getByTestId('voice-bubble').last();
    await bubble.waitFor();
    expect(await bubble.textContent()).toContain('3″');
    expect(await page.getByTestId('message-user').last().textContent()).toContain('明天上午的会几点开始');
    await answer('收到了你的问题：「明天上午的会几点开始」');
    await page.getByTestId('send').click();
    await answer('没听清，请再说一遍或直接打字。');
    await page.getByTestId('tool-voice').click();
    expect(await page.getByTestId('send').textContent()).toBe('发送');
  });

  it('sample PDF, Word and Excel files show as chips and are answered with their length and first lines', async () => {
    for (const [id, name, type, line] of [
      ['sample-file-1', '季度报告.pdf', 'PDF', '营业收入 1.2 亿元，同比增长 12%。'],
      ['sample-file-2', '项目计划.docx', 'DOCX', '目标：员工在钉钉里直接向大模型提问'],
      ['sample-file-3', '年度预算.xlsx', 'XLSX', '服务器 360000 函数计算与存储'],
    ] as const) {
      await page.getByTestId('tool-file').click();
      await page.getByTestId(id).click();
      const chip = page.getByTestId('file-chip').filter({ hasText: name });
      await chip.waitFor();
      expect(await chip.textContent()).toMatch(/(KB|字节)$/);
      const text = await answer(`收到了文件「${name}」`);
      expect(text).toMatch(new RegExp(`${type}，\\d+ 字。开头几行：`));
      expect(text).toContain(line);
    }
  });

  it('keeps history: a follow-up question about the file is answered from it', async () => {
    await page.getByTestId('composer').fill('服务器的预算是多少？');
    await page.getByTestId('composer').press('Enter');
    const text = await answer('在你之前发的文件「年度预算.xlsx」里找到了相关的内容');
    expect(text).toContain('服务器 360000 函数计算与存储');
    expect(text).toMatch(/带上了 \d+ 轮历史对话/);
  });

  it('quotes an earlier message: the reply shows it above the text, and the answer reflects it', async () => {
    await quote('user', '明天上午的会几点开始');
    const bar = page.getByTestId('quote-bar');
    await bar.waitFor();
    expect(await bar.textContent()).toContain('张三：[语音] 明天上午的会几点开始');
    // A quote reply is text: the tools for pictures, voice and files are off until it is sent or cancelled.
    expect(await page.getByTestId('tool-picture').isDisabled()).toBe(true);
    await page.getByTestId('composer').fill('改到下午可以吗？');
    await page.getByTestId('composer').press('Enter');
    const reply = page.getByTestId('message-user').filter({ hasText: '改到下午可以吗？' });
    await reply.waitFor();
    expect(await reply.getByTestId('quoted').textContent()).toBe('张三：[语音] 明天上午的会几点开始');
    const text = await answer('改到下午可以吗？');
    expect(text).toContain('你引用了一条消息：');
    expect(text).toContain('明天上午的会几点开始');
    expect(await bar.isHidden()).toBe(true);

    // A robot answer can be quoted too: it is quoted as text.
    await quote('robot', '在你之前发的文件「年度预算.xlsx」');
    await page.getByTestId('composer').fill('这个数字对吗？');
    await page.getByTestId('composer').press('Enter');
    expect(await answer('这个数字对吗？')).toContain('你引用了一条消息：');
  });

  it('in the group, voice and files are off with DingTalk’s reason; a quoted picture is fetched again', async () => {
    await view(LI_SI, 'group');
    expect(await page.getByTestId('tool-voice').isDisabled()).toBe(true);
    expect(await page.getByTestId('tool-file').isDisabled()).toBe(true);
    expect(await page.getByTestId('tool-voice').getAttribute('title')).toContain(
      '钉钉不会把群里的语音和文件发给机器人',
    );
    await page.getByTestId('group-media-note').waitFor();

    await page.getByTestId('tool-picture').click();
    await page.getByTestId('sample-picture-3').click();
    await page.getByTestId('send').click();
    await answer('128×128 像素');

    await view(WANG_WU, 'group');
    await quote('user', '@AI 助手');
    await page.getByTestId('composer').fill('这只猫是谁画的？');
    await page.getByTestId('composer').press('Enter');
    const reply = page.getByTestId('message-user').filter({ hasText: '这只猫是谁画的？' });
    expect(await reply.getByTestId('quoted').textContent()).toBe('李四：[图片]');
    const text = await answer('这只猫是谁画的？');
    expect(text).toContain('收到了 1 张图片');
    expect(text).toContain('128×128 像素');
  });
});

describe.skipIf(!CHROMIUM)('the playground page with small file limits and AI cards', () => {
  // The smallest limits the connector accepts; answers stream into AI cards, as with `npm start`.
  const session = usePlaygroundPage(CHROMIUM, {
    env: 'MAX_IMAGE_BYTES=1024\nMAX_FILE_BYTES=2048\n',
    cards: true,
  });

  it('says what happens to a file too big for the robot or the playground, and quotes an AI card', async () => {
    const { page } = session;
    await showChat(page, ZHANG_SAN, 'dm');

    // Over the playground's limit (twice the robot's larger one): refused before uploading.
    await upload(page, 'file', {
      name: '巨大.txt',
      mimeType: 'text/plain',
      buffer: Buffer.alloc(5000, 0x61),
    });
    await page.getByTestId('composer-error').filter({ hasText: '演练场最多接收 4 KB' }).waitFor();

    // Over the robot's limit only: it goes through, and the robot says why it cannot read it.
    await upload(page, 'file', {
      name: '较大.txt',
      mimeType: 'text/plain',
      buffer: Buffer.alloc(3000, 0x61),
    });
    await page.getByTestId('file-chip').filter({ hasText: '较大.txt' }).waitFor();
    expect(await page.getByTestId('composer-status').textContent()).toContain('超过机器人的 2 KB 上限');
    await page
      .getByTestId('message-robot')
      .filter({ hasText: '文件太大了（超过 2 KB），请压缩或拆分后再发送。' })
      .waitFor();

    // Answers stream into AI cards here; a card can be quoted once it is there.
    await page.getByTestId('composer').fill('你好');
    await page.getByTestId('composer').press('Enter');
    const card = page.locator('[data-testid="message-card"][data-finalized="true"]').last();
    await card.waitFor();
    const row = page.locator('.message', { has: card });
    await row.hover();
    await row.getByTestId('quote').click();
    await page.getByTestId('composer').fill('接着说');
    await page.getByTestId('composer').press('Enter');
    const quoted = page.locator('[data-testid="message-card"][data-finalized="true"]', { hasText: '接着说' });
    await quoted.waitFor();
    expect(await quoted.textContent()).toContain('你引用了一条消息：');
    expect(await quoted.textContent()).toContain('收到了你的问题：「你好」');
  }, 90_000);
});

/** Chooses a file to upload through the page's 图片 or 文件 menu. */
async function upload(
  page: Page,
  kind: 'picture' | 'file',
  file: { name: string; mimeType: string; buffer: Buffer },
) {
  const chooser = page.waitForEvent('filechooser');
  await page.getByTestId(`tool-${kind}`).click();
  await page.getByTestId(`upload-${kind}`).click();
  await (await chooser).setFiles(file);
}
