import { describe, expect, it } from 'vitest';
import { robotCallbackSchema } from '../../../src/dingtalk/callback-schema';
import { replyJobSchema, toReplyJob } from '../../../src/dingtalk/reply-job';
import { isAllowedWebhook } from '../../../src/dingtalk/session-webhook-rule';
import type { FixtureName } from '../../helpers/callbacks';
import { freshMessage, loadCallback } from '../../helpers/callbacks';

describe('robotCallbackSchema', () => {
  it.each<FixtureName>(['dm-text', 'dm-picture', 'dm-rich-text', 'dm-file'])(
    'accepts the captured %s callback',
    (name) => {
      expect(robotCallbackSchema.safeParse(loadCallback(name)).success).toBe(true);
    },
  );

  it('accepts a group @-mention with atUsers and the leading space', () => {
    const body = freshMessage({
      webhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=1',
      text: '你好',
      group: true,
    });
    const parsed = robotCallbackSchema.parse(body);
    expect(parsed.conversationType).toBe('2');
    expect(parsed.text?.content).toBe(' 你好');
  });

  it('accepts createAt as a numeric string (the doc table says String)', () => {
    expect(robotCallbackSchema.parse(loadCallback('dm-text', { createAt: '1774080994334' })).createAt).toBe(
      1774080994334,
    );
  });

  it.each([
    ['no msgId', { msgId: undefined }],
    ['empty msgId', { msgId: '' }],
    ['numeric conversationType', { conversationType: 1 }],
    ['unknown conversationType', { conversationType: '3' }],
    ['no sessionWebhook', { sessionWebhook: undefined }],
    ['text message without text', { text: undefined }],
    ['text content not a string', { text: { content: 42 } }],
    ['no senderId', { senderId: undefined }],
    ['expiry not a number', { sessionWebhookExpiredTime: 'tomorrow' }],
  ])('rejects %s', (_name, overrides) => {
    expect(robotCallbackSchema.safeParse(loadCallback('dm-text', overrides)).success).toBe(false);
  });
});

describe('toReplyJob', () => {
  it('keeps what reply needs and validates against the job schema', () => {
    const job = toReplyJob(robotCallbackSchema.parse(loadCallback('dm-text')));
    expect(job).toEqual({
      v: 2,
      msgId: 'msgnB1+DzfESSG9P2Vk6t9/FA==',
      createAt: 1774080994334,
      msgtype: 'text',
      content: { kind: 'text', text: 'hello' },
      conversationType: 'single',
      conversationId: 'cidckmb+hIeg2sqwVcm7n1rCvarE8OOksrg0VBXsVmYf5Q=',
      senderId: '$:LWCP_v1:$XEw/yy6yxz4Uk0yGfuBXug==',
      senderStaffId: '276842684656321223',
      senderNick: '测试用户 001-0001',
      isAdmin: false,
      robotCode: 'dinge228f219e9cb0eb5',
      sessionWebhook:
        'https://oapi.dingtalk.com/robot/sendBySession?session=70f58904dba41ecccc3fc1626e53a130',
      sessionWebhookExpiredTime: 1774086394522,
    });
    expect(replyJobSchema.safeParse(job).success).toBe(true);
  });

  it.each([
    [
      'dm-picture',
      { kind: 'pictures', parts: [{ type: 'picture', downloadCode: expect.stringMatching(/^9FiaXX/) }] },
    ],
    [
      'dm-rich-text',
      {
        kind: 'pictures',
        parts: [
          { type: 'picture', downloadCode: expect.stringMatching(/^8kJnJo/) },
          { type: 'text', text: '\n' },
          { type: 'text', text: 'abc' },
        ],
      },
    ],
    ['dm-file', { kind: 'file', downloadCode: expect.stringMatching(/^jDNP/), fileName: '季度报告草稿' }],
  ] as const)(
    'reads the captured %s callback into the job content (downloadCode, never pictureDownloadCode)',
    (name, content) => {
      const job = toReplyJob(robotCallbackSchema.parse(loadCallback(name)));
      expect(job.content).toEqual(content);
      expect(JSON.stringify(job)).not.toContain('pictureDownloadCode');
      expect(replyJobSchema.safeParse(job).success).toBe(true);
    },
  );

  it('reads a voice message into its transcript', () => {
    const body = loadCallback('dm-text', {
      msgtype: 'audio',
      text: undefined,
      content: { duration: 3000, downloadCode: 'audio-code', recognition: '明天上午的会议几点开始' },
    });
    expect(toReplyJob(robotCallbackSchema.parse(body)).content).toEqual({
      kind: 'voice',
      transcript: '明天上午的会议几点开始',
    });
  });

  it.each([
    ['an object', { text: '原来的消息' }, { kind: 'text', text: '原来的消息' }],
    [
      'a JSON string',
      JSON.stringify({ content: '字符串里的消息' }),
      { kind: 'text', text: '字符串里的消息' },
    ],
  ])('reads a quoted text message whose content is %s', (_name, quotedContent, quote) => {
    const body = loadCallback('dm-text', {
      text: {
        content: '这是什么意思？',
        isReplyMsg: true,
        repliedMsg: {
          msgId: 'msgQuoted==',
          msgType: 'text',
          senderId: 'x',
          createdAt: 1,
          content: quotedContent,
        },
      },
    });
    const job = toReplyJob(robotCallbackSchema.parse(body));
    expect(job.content).toEqual({ kind: 'text', text: '这是什么意思？' });
    expect(job.quote).toEqual(quote);
  });

  it.each([
    [
      'picture',
      { downloadCode: 'quoted-picture' },
      { kind: 'pictures', parts: [{ type: 'picture', downloadCode: 'quoted-picture' }] },
    ],
    [
      'file',
      { downloadCode: 'quoted-file', fileName: '报告.pdf' },
      { kind: 'file', downloadCode: 'quoted-file', fileName: '报告.pdf' },
    ],
    ['audio', { recognition: '语音里说的话' }, { kind: 'voice', transcript: '语音里说的话' }],
    [
      'richText',
      { richText: [{ text: '看图' }, { type: 'picture', downloadCode: 'p1' }] },
      {
        kind: 'pictures',
        parts: [
          { type: 'text', text: '看图' },
          { type: 'picture', downloadCode: 'p1' },
        ],
      },
    ],
  ])('reads a quoted %s message', (msgType, quotedContent, quote) => {
    const body = loadCallback('dm-text', {
      text: {
        content: '问一下',
        isReplyMsg: true,
        repliedMsg: { msgId: 'm', msgType, content: quotedContent },
      },
    });
    expect(toReplyJob(robotCallbackSchema.parse(body)).quote).toEqual(quote);
  });

  it('marks a quote that came with only its msgId as missing, and one without isReplyMsg as none', () => {
    const only = loadCallback('dm-text', {
      text: { content: '问', isReplyMsg: true, repliedMsg: { msgId: 'm' } },
    });
    expect(toReplyJob(robotCallbackSchema.parse(only)).quote).toEqual({ kind: 'missing' });
    const broken = loadCallback('dm-text', {
      text: {
        content: '问',
        isReplyMsg: true,
        repliedMsg: { msgId: 'm', msgType: 'text', content: '{not json' },
      },
    });
    expect(toReplyJob(robotCallbackSchema.parse(broken)).quote).toEqual({ kind: 'missing' });
    expect(toReplyJob(robotCallbackSchema.parse(loadCallback('dm-text'))).quote).toBeUndefined();
  });

  it('still reads a v1 job queued before an upgrade', () => {
    const v1 = {
      ...toReplyJob(robotCallbackSchema.parse(loadCallback('dm-text'))),
      v: 1,
      text: 'hello',
    } as Record<string, unknown>;
    delete v1.content;
    expect(replyJobSchema.parse(v1)).toMatchObject({ v: 2, content: { kind: 'text', text: 'hello' } });
    const v1Picture = { ...v1, msgtype: 'picture', text: undefined };
    expect(replyJobSchema.parse(v1Picture).content).toEqual({ kind: 'other', msgtype: 'picture' });
  });

  it('drops an empty senderStaffId (external users) so senderId is used', () => {
    expect(
      toReplyJob(robotCallbackSchema.parse(loadCallback('dm-text', { senderStaffId: '' }))).senderStaffId,
    ).toBeUndefined();
  });
});

describe('isAllowedWebhook', () => {
  const origins = ['https://oapi.dingtalk.com'];
  it.each([
    ['https://oapi.dingtalk.com/robot/sendBySession?session=abc', true],
    // Not the form DingTalk sends: the parser would have to rewrite it.
    ['https://oapi.dingtalk.com:443/robot/sendBySession?session=abc', false],
    ['http://oapi.dingtalk.com/robot/sendBySession?session=abc', false],
    ['https://oapi.dingtalk.com:8443/robot/sendBySession', false],
    ['https://oapi.dingtalk.com.evil.example/robot', false],
    ['https://evil.example/?https://oapi.dingtalk.com', false],
    ['https://user:pw@oapi.dingtalk.com/robot', false],
    ['https://169.254.169.254/latest/meta-data', false],
    ['not a url', false],
  ])('%s → %s', (url, allowed) => {
    expect(isAllowedWebhook(url, origins)).toBe(allowed);
  });
});
