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
      v: 1,
      msgId: 'msgnB1+DzfESSG9P2Vk6t9/FA==',
      createAt: 1774080994334,
      msgtype: 'text',
      text: 'hello',
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

  it('carries no text for other message types', () => {
    const job = toReplyJob(robotCallbackSchema.parse(loadCallback('dm-picture')));
    expect(job.msgtype).toBe('picture');
    expect(job.text).toBeUndefined();
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
