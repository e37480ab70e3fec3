import { describe, expect, it } from 'vitest';
import type { Attachment } from '../../scripts/playground/attachments';
import { buildMemberCallback } from '../../scripts/playground/member-callback';
import type { MessageBody } from '../../scripts/playground/member-message';
import { readMemberMessage } from '../../scripts/playground/member-message';
import { MEMBERS } from '../../scripts/playground/members';
import { createQuotableMessages } from '../../scripts/playground/quotable-messages';
import { encodePng } from '../../scripts/test-files/png';
import { readInboundContent, readQuote } from '../../src/dingtalk/inbound-content';
import { loadCallback } from '../helpers/callbacks';

const [ZHANG_SAN, LI_SI] = MEMBERS as [(typeof MEMBERS)[number], (typeof MEMBERS)[number]];
const PNG = Buffer.from(encodePng(2, 2, new Uint8Array(12)));
const ITEMS: Attachment[] = [
  { id: 'pic', name: '图.png', bytes: PNG, image: 'image/png' },
  { id: 'doc', name: '季度报告.pdf', bytes: Buffer.from('%PDF-1.7 …'), image: undefined },
];

/** Builds a member's message as the playground does, with a stand-in for the emulated DingTalk's codes. */
function setUp() {
  const received: Buffer[] = [];
  const quotes = createQuotableMessages({ dingtalkId: '$:LWCP_v1:$robot', name: 'AI 助手' });
  const send = (member: (typeof MEMBERS)[number], chat: 'dm' | 'group', body: MessageBody) => {
    const built = buildMemberCallback(
      { member, chat, body },
      {
        attachments: { get: (id) => ITEMS.find((item) => item.id === id) },
        quotes,
        receive: (bytes) => {
          received.push(bytes);
          return `code-${received.length}+/=`;
        },
        sessionWebhook: 'http://127.0.0.1/robot/sendBySession?session=s',
        now: 1_774_084_180_700,
      },
    );
    if ('error' in built) return built;
    quotes.remember(built.kept);
    return built;
  };
  return { received, quotes, send };
}

/** A built callback, or the test fails with the error it got instead. */
function built<T extends object>(result: T | { error: string }): T {
  if ('error' in result) throw new Error(result.error);
  return result;
}

const keys = (value: unknown) => Object.keys(value as object).sort();

describe('playground messages are the callbacks DingTalk sends', () => {
  it('a lone picture in a direct chat is a picture message shaped like the captured one', () => {
    const { send, received } = setUp();
    const { callback, shown } = built(
      send(ZHANG_SAN, 'dm', { kind: 'pictures', parts: [{ attachment: 'pic' }] }),
    );
    const real = loadCallback('dm-picture');
    expect(keys(callback)).toEqual(keys(real));
    expect(keys(callback.content)).toEqual(keys(real.content));
    expect(callback.msgtype).toBe('picture');
    expect(received).toEqual([PNG, PNG]);
    expect(readInboundContent('picture', callback)).toEqual({
      kind: 'pictures',
      parts: [{ type: 'picture', downloadCode: 'code-1+/=' }],
    });
    expect(shown).toMatchObject({ text: '[图片]', content: { kind: 'pictures' } });
  });

  it('text with pictures is richText in the written order; in a group any picture is richText', () => {
    const { send } = setUp();
    const mixed = built(
      send(ZHANG_SAN, 'dm', {
        kind: 'pictures',
        parts: [{ text: '这是什么？' }, { attachment: 'pic' }, { text: '\n还有' }],
      }),
    );
    const real = loadCallback('dm-rich-text');
    expect(keys(mixed.callback)).toEqual(keys(real));
    const parts = (mixed.callback.content as { richText: Array<Record<string, unknown>> }).richText;
    const realPicture = (real.content as { richText: Array<Record<string, unknown>> }).richText[0];
    expect(keys(parts[1])).toEqual(keys(realPicture));
    expect(readInboundContent('richText', mixed.callback)).toEqual({
      kind: 'pictures',
      parts: [
        { type: 'text', text: '这是什么？' },
        { type: 'picture', downloadCode: 'code-1+/=' },
        { type: 'text', text: '\n还有' },
      ],
    });
    const group = built(send(LI_SI, 'group', { kind: 'pictures', parts: [{ attachment: 'pic' }] }));
    expect(group.callback.msgtype).toBe('richText');
    expect(group.callback).toMatchObject({ conversationType: '2', isInAtList: true });
    expect(group.callback.text).toBeUndefined();
  });

  it('a file carries its download code, name and DingTalk ids, as the captured one', () => {
    const { send } = setUp();
    const { callback } = built(send(ZHANG_SAN, 'dm', { kind: 'file', attachment: 'doc' }));
    const real = loadCallback('dm-file');
    expect(keys(callback)).toEqual(keys(real));
    expect(keys(callback.content)).toEqual(keys(real.content));
    expect(callback.content).toMatchObject({
      fileName: '季度报告.pdf',
      fileId: expect.stringMatching(/^\d{12}$/),
    });
  });

  it('a voice message is audio with the transcript as recognition and a download code for the recording', () => {
    const { send, received } = setUp();
    const { callback, shown } = built(send(ZHANG_SAN, 'dm', { kind: 'voice', text: '明天上午的会几点开始' }));
    expect(callback.msgtype).toBe('audio');
    expect(callback.content).toEqual({
      duration: 3000,
      downloadCode: 'code-1+/=',
      recognition: '明天上午的会几点开始',
    });
    expect(received[0]?.subarray(0, 6).toString('latin1')).toBe('#!AMR\n');
    expect(readInboundContent('audio', callback)).toEqual({
      kind: 'voice',
      transcript: '明天上午的会几点开始',
    });
    expect(shown).toEqual({ text: '明天上午的会几点开始', content: { kind: 'voice', durationMs: 3000 } });
  });

  it('a quote carries the quoted message in text.repliedMsg, pictures and files with fresh codes', () => {
    const { send, quotes } = setUp();
    const picture = built(send(ZHANG_SAN, 'group', { kind: 'pictures', parts: [{ attachment: 'pic' }] }));
    const reply = built(
      send(LI_SI, 'group', { kind: 'text', text: '图里是什么？', quote: picture.kept.msgId }),
    );
    const text = reply.callback.text as Record<string, unknown>;
    expect(text.content).toBe(' 图里是什么？');
    expect(text.isReplyMsg).toBe(true);
    expect(text.repliedMsg).toMatchObject({
      msgId: picture.kept.msgId,
      msgType: 'richText',
      senderId: picture.callback.senderId,
      createdAt: picture.callback.createAt,
    });
    expect(readQuote(text)).toEqual({
      kind: 'pictures',
      parts: [{ type: 'picture', downloadCode: 'code-3+/=' }],
    });
    expect(reply.shown.quote).toMatchObject({ msgId: picture.kept.msgId, nick: '张三', text: '[图片]' });

    const answer = quotes.rememberRobot('group', '**发布**在周五');
    const onAnswer = built(send(LI_SI, 'group', { kind: 'text', text: '确定吗？', quote: answer }));
    expect(readQuote(onAnswer.callback.text)).toEqual({ kind: 'text', text: '**发布**在周五' });
    expect((onAnswer.callback.text as { repliedMsg: { senderId: string } }).repliedMsg.senderId).toBe(
      '$:LWCP_v1:$robot',
    );
  });

  it('refuses what DingTalk would not deliver, or what the playground no longer has, in Chinese', () => {
    const { send, quotes } = setUp();
    const direct = built(send(ZHANG_SAN, 'dm', { kind: 'text', text: '你好' }));
    expect(send(ZHANG_SAN, 'group', { kind: 'text', text: '引用', quote: direct.kept.msgId })).toEqual({
      error: '发送失败：找不到要引用的消息（只能引用本会话里的消息）',
    });
    expect(send(ZHANG_SAN, 'dm', { kind: 'file', attachment: 'gone' })).toMatchObject({
      error: expect.stringContaining('请重新上传'),
    });
    expect(send(ZHANG_SAN, 'dm', { kind: 'pictures', parts: [{ attachment: 'doc' }] })).toEqual({
      error: '「季度报告.pdf」不是图片（PNG、JPEG、GIF、WEBP），请用「文件」发送',
    });
    const card = quotes.rememberRobot('group', '第一版', 'card-1');
    expect(quotes.rememberRobot('group', '第一版，写完了', 'card-1')).toBe(card);
    expect(quotes.find(card, 'group')?.message).toEqual({ msgType: 'text', text: '第一版，写完了' });
  });

  it('reads what the page posts: voice and files only in a direct chat, pictures with at least one picture', () => {
    const read = (input: Record<string, unknown>) =>
      readMemberMessage({ staffId: ZHANG_SAN.staffId, ...input }, MEMBERS);
    expect(read({ chat: 'group', kind: 'voice', text: '你好' })).toEqual({
      error: expect.stringContaining('钉钉不会把群里的语音和文件发给机器人'),
    });
    expect(read({ chat: 'group', kind: 'file', attachment: 'doc' })).toEqual({
      error: expect.stringContaining('请在单聊里发送'),
    });
    expect(read({ chat: 'dm', kind: 'voice', text: '' })).toMatchObject({
      body: { kind: 'voice', text: '' },
    });
    expect(read({ chat: 'dm', kind: 'pictures', parts: [{ text: '只有字' }] })).toEqual({
      error: '发送失败：没有图片',
    });
    expect(
      read({ chat: 'dm', kind: 'pictures', parts: [{ text: 'x'.repeat(20_001) }, { attachment: 'pic' }] }),
    ).toEqual({
      error: '消息太长：钉钉一条消息最多 20000 个字符，这条有 20001 个',
    });
    expect(read({ chat: 'dm', kind: 'sticker' })).toEqual({ error: '发送失败：不认识的消息类型' });
    expect(read({ chat: 'dm', text: '你好', quote: 'msgX' })).toMatchObject({
      body: { kind: 'text', text: '你好', quote: 'msgX' },
    });
  });
});
