import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Playground } from '../../scripts/playground/playground';
import { answersTo, postMessage, startTestPlayground } from '../helpers/playground-api';

// Pictures, voice, files and quotes sent from the page's API, through both built functions, the emulated
// DingTalk's messageFiles/download and the offline demo model: each gets an answer that shows what arrived.

const ZHANG_SAN = '0426581234567890';
const LI_SI = '1665012345698';
const WANG_WU = '2103456789012';
const ZHAO_LIU = '3307890123456';

interface State {
  samples: {
    pictures: Array<{ id: string; name: string; size: number; image?: string }>;
    files: Array<{ id: string; name: string }>;
  };
  features: { media: { maxImageBytes: number; maxFileBytes: number; maxUploadBytes: number } };
}

/** Uploads a picture or file as the page does. */
async function upload(url: string, kind: string, name: string, bytes: Buffer) {
  const response = await fetch(`${url}/api/uploads?kind=${kind}&name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: new Uint8Array(bytes),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Sends a member's message and returns its msgId and the robot's answers to it, joined. */
async function sendTo(url: string, message: Record<string, unknown>) {
  const { status, body } = await postMessage(url, message);
  expect(status, String(body.error)).toBe(200);
  return { msgId: body.msgId as string, answer: (await answersTo(url, body.msgId)).join('\n') };
}

describe('the playground sends pictures, voice, files and quotes as DingTalk does', () => {
  let playground: Playground;
  let stop: () => Promise<void>;
  let state: State;

  beforeAll(async () => {
    ({ playground, stop } = await startTestPlayground());
    state = (await (await fetch(`${playground.url}/api/state`)).json()) as State;
  });
  afterAll(() => stop());

  const send = (message: Record<string, unknown>) => sendTo(playground.url, message);

  it('offers sample pictures and a PDF, Word and Excel file, and serves them; limits follow the connector', async () => {
    expect(state.samples.pictures.map((p) => p.image)).toEqual(['image/png', 'image/png', 'image/png']);
    expect(state.samples.files.map((f) => f.name)).toEqual([
      '季度报告.pdf',
      '项目计划.docx',
      '年度预算.xlsx',
    ]);
    expect(state.features.media).toEqual({
      maxImageBytes: 10 * 1024 * 1024,
      maxFileBytes: 20 * 1024 * 1024,
      maxUploadBytes: 40 * 1024 * 1024,
    });
    const picture = await fetch(`${playground.url}/api/attachments/sample-picture-1`);
    expect(picture.headers.get('content-type')).toBe('image/png');
    expect((await picture.arrayBuffer()).byteLength).toBe(state.samples.pictures[0]?.size);
    const file = await fetch(`${playground.url}/api/attachments/sample-file-1`);
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename\*=UTF-8''/);
    expect((await fetch(`${playground.url}/api/attachments/nothing`)).status).toBe(404);
  });

  it('a sample picture: the answer names its type, pixels and size', async () => {
    const { answer } = await send({
      staffId: ZHANG_SAN,
      chat: 'dm',
      kind: 'pictures',
      parts: [{ attachment: 'sample-picture-1' }],
    });
    expect(answer).toContain('收到了 1 张图片');
    expect(answer).toContain(`PNG 图片（image/png），240×160 像素，${state.samples.pictures[0]?.size} 字节`);
  });

  it('a picture with text, and an uploaded picture: both pictures and the words arrive', async () => {
    const uploaded = await upload(
      playground.url,
      'picture',
      '截图.png',
      Buffer.from(await (await fetch(`${playground.url}/api/attachments/sample-picture-3`)).arrayBuffer()),
    );
    expect(uploaded.status).toBe(200);
    expect(uploaded.body).toMatchObject({ name: '截图.png', image: 'image/png' });
    const { answer } = await send({
      staffId: ZHANG_SAN,
      chat: 'dm',
      kind: 'pictures',
      parts: [
        { text: '左边这张' },
        { attachment: 'sample-picture-2' },
        { text: '和右边这张有什么不同？' },
        { attachment: uploaded.body.id },
      ],
    });
    expect(answer).toContain('收到了 2 张图片');
    expect(answer).toContain('1. PNG 图片（image/png），240×160 像素');
    expect(answer).toContain('2. PNG 图片（image/png），128×128 像素');
    expect(answer).toContain('图片附带的文字：「左边这张和右边这张有什么不同？」');
  });

  it('a voice message is answered as its transcript; an empty one gets the 没听清 notice', async () => {
    const { answer } = await send({
      staffId: LI_SI,
      chat: 'dm',
      kind: 'voice',
      text: '明天上午的会几点开始',
    });
    expect(answer).toContain('收到了你的问题：「明天上午的会几点开始」');
    const silent = await send({ staffId: LI_SI, chat: 'dm', kind: 'voice', text: '' });
    expect(silent.answer).toBe('没听清，请再说一遍或直接打字。');
  });

  it.each([
    [
      'sample-file-1',
      '季度报告.pdf',
      'PDF',
      '> 2024 年第三季度经营报告\n> 营业收入 1.2 亿元，同比增长 12%。',
    ],
    ['sample-file-2', '项目计划.docx', 'DOCX', '> AI 助手 2.0 项目计划\n> 目标：'],
    ['sample-file-3', '年度预算.xlsx', 'XLSX', '> 项目 金额（元） 说明\n> 服务器 360000 函数计算与存储'],
  ])(
    'the sample %s (%s): the answer gives its type, length and first lines',
    async (id, name, type, lines) => {
      const { answer } = await send({ staffId: WANG_WU, chat: 'dm', kind: 'file', attachment: id });
      expect(answer).toMatch(
        new RegExp(`收到了文件「${name.replace('.', '\\.')}」：${type}，\\d+ 字。开头几行：`),
      );
      expect(answer).toContain(lines);
    },
  );

  it('keeps the file in the history: a follow-up question is answered from its lines', async () => {
    await send({ staffId: ZHAO_LIU, chat: 'dm', kind: 'file', attachment: 'sample-file-2' });
    const { answer } = await send({ staffId: ZHAO_LIU, chat: 'dm', text: '全员上线的负责人是谁？' });
    expect(answer).toContain('在你之前发的文件「项目计划.docx」里找到了相关的内容');
    expect(answer).toContain('> 全员上线 李四 11 月 30 日');
    expect(answer).toContain('带上了 1 轮历史对话');
  });

  it('quotes a member’s text, a robot answer, and in the group a picture, which the robot fetches again', async () => {
    const said = await send({ staffId: ZHANG_SAN, chat: 'group', text: '落霞与孤鹜齐飞' });
    const onText = await send({ staffId: LI_SI, chat: 'group', text: '这句话出自哪里？', quote: said.msgId });
    expect(onText.answer).toContain('收到了你的问题：「这句话出自哪里？」');
    expect(onText.answer).toContain('你引用了一条消息：\n\n> 落霞与孤鹜齐飞');

    const events = (
      (await (await fetch(`${playground.url}/api/state`)).json()) as {
        events: Array<Record<string, unknown>>;
      }
    ).events;
    const robotAnswer = events.find((e) => e.type === 'robot-message' && e.msgId === said.msgId);
    const onAnswer = await send({
      staffId: LI_SI,
      chat: 'group',
      text: '再说一遍',
      quote: robotAnswer?.quoteId,
    });
    expect(onAnswer.answer).toContain('你引用了一条消息：\n\n> @0426581234567890');

    const picture = await send({
      staffId: ZHANG_SAN,
      chat: 'group',
      kind: 'pictures',
      parts: [{ attachment: 'sample-picture-3' }],
    });
    expect(picture.answer).toContain('128×128 像素');
    const onPicture = await send({
      staffId: WANG_WU,
      chat: 'group',
      text: '这是谁画的？',
      quote: picture.msgId,
    });
    expect(onPicture.answer).toContain('收到了 1 张图片');
    expect(onPicture.answer).toContain('128×128 像素');
    expect(onPicture.answer).toContain('图片附带的文字：「这是谁画的？」');
  });

  it('refuses in Chinese what DingTalk does not deliver and what is not there', async () => {
    for (const message of [
      { kind: 'voice', text: '群里说话' },
      { kind: 'file', attachment: 'sample-file-1' },
    ]) {
      const { status, body } = await postMessage(playground.url, {
        staffId: ZHANG_SAN,
        chat: 'group',
        ...message,
      });
      expect(status).toBe(400);
      expect(body.error).toContain('钉钉不会把群里的语音和文件发给机器人');
    }
    const quoteElsewhere = await postMessage(playground.url, {
      staffId: ZHANG_SAN,
      chat: 'dm',
      text: '引用',
      quote: 'msgNotHere==',
    });
    expect(quoteElsewhere).toEqual({
      status: 400,
      body: { error: '发送失败：找不到要引用的消息（只能引用本会话里的消息）' },
    });
    const notPicture = await upload(playground.url, 'picture', 'notes.txt', Buffer.from('只是文字'));
    expect(notPicture).toEqual({
      status: 400,
      body: { error: '「notes.txt」不是图片（PNG、JPEG、GIF、WEBP），请用「文件」发送' },
    });
    const empty = await upload(playground.url, 'file', 'empty.txt', Buffer.alloc(0));
    expect(empty.body.error).toBe('「empty.txt」是空文件，钉钉不会发送空文件');
  });
});

describe('the playground shows what the robot says about files it cannot take', () => {
  let playground: Playground;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    // The smallest limits the connector accepts: uploads up to twice the larger one go through.
    ({ playground, stop } = await startTestPlayground({
      env: 'MAX_IMAGE_BYTES=1024\nMAX_FILE_BYTES=2048\n',
    }));
  });
  afterAll(() => stop());

  it('a file over MAX_FILE_BYTES goes through and the robot says it is too big; over the upload limit is refused', async () => {
    const big = await upload(playground.url, 'file', '大文件.txt', Buffer.alloc(3000, 0x61));
    expect(big.status).toBe(200);
    const sent = await sendTo(playground.url, {
      staffId: ZHANG_SAN,
      chat: 'dm',
      kind: 'file',
      attachment: big.body.id,
    });
    expect(sent.answer).toBe('文件太大了（超过 2 KB），请压缩或拆分后再发送。');
    const tooBig = await upload(playground.url, 'file', '更大.txt', Buffer.alloc(5000, 0x61));
    expect(tooBig).toEqual({ status: 413, body: { error: '太大了：演练场最多接收 4 KB 的文件' } });
  });

  it('a file the robot cannot read gets its notice', async () => {
    const zip = await upload(
      playground.url,
      'file',
      'archive.zip',
      Buffer.from('504b0506000000000000000000000000000000000000', 'hex'),
    );
    const sent = await sendTo(playground.url, {
      staffId: LI_SI,
      chat: 'dm',
      kind: 'file',
      attachment: zip.body.id,
    });
    expect(sent.answer).toBe(
      '抱歉，暂不支持这种文件（zip）。目前能读取 txt、md、csv、json、pdf、docx、xlsx 文件。',
    );
  });
});
