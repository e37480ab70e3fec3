import { createHash, randomBytes } from 'node:crypto';
import { signDingTalk } from '../../src/dingtalk/signature';

/** What DingTalk leaves at the start of a group text: the @robot mention is removed, the space after it stays. */
export const GROUP_TEXT_PREFIX = ' ';

/** What the smoke-test callback says and who says it. */
export interface CallbackOptions {
  /** The text of a text message (ignored when `content` is given). */
  text: string;
  /**
   * A message of another type, as DingTalk sends it: its msgtype and `content` (picture, richText, audio, file;
   * dingtalk.md §3.2). Such a callback has no `text`.
   */
  content?: { msgtype: string; content: Record<string, unknown> };
  /** The message a text quotes, as DingTalk puts it in `text.repliedMsg` (with `text.isReplyMsg: true`). */
  repliedMsg?: { msgId: string; msgType: string; senderId: string; createdAt: number; content: unknown };
  group: boolean;
  sessionWebhook: string;
  staffId: string;
  nick: string;
  /** ms epoch of the message (default now). */
  now?: number;
  /** The robot receiving it (default: a smoke-test robot); its code is the AppKey the OpenAPI fallback needs. */
  robot?: { code: string; dingtalkId: string; corpId: string };
  /** Default: derived from the sender (DM) or a fixed smoke-test group. */
  conversationId?: string;
  conversationTitle?: string;
  isAdmin?: boolean;
}

/** The session webhook of a smoke test that aims at no real conversation: DingTalk answers errcode 300001. */
export function fakeSessionWebhook(now: number): string {
  return `https://oapi.dingtalk.com/robot/sendBySession?session=smoke-${now}`;
}

/**
 * A callback body shaped like the real ones (test/fixtures/dingtalk-callbacks/dm-text.json): a fresh msgId, and
 * ids derived from the sender so that repeated smoke tests continue one conversation.
 */
export function buildCallback(options: CallbackOptions): Record<string, unknown> {
  const now = options.now ?? Date.now();
  const corpId = options.robot?.corpId ?? `ding${digest('corp').subarray(0, 16).toString('hex')}`;
  const robotId =
    options.robot?.dingtalkId ?? `$:LWCP_v1:$${digest('robot').toString('base64').slice(0, 32)}`;
  const conversationId =
    options.conversationId ??
    `cid${digest(options.group ? 'group' : `dm:${options.staffId}`).toString('base64')}`;
  const body: Record<string, unknown> = {
    chatbotCorpId: corpId,
    chatbotUserId: robotId,
    conversationId,
    conversationType: options.group ? '2' : '1',
    createAt: now,
    isAdmin: options.isAdmin ?? false,
    msgId: `msg${randomBytes(16).toString('base64')}`,
    msgtype: 'text',
    openThreadId: conversationId,
    robotCode: options.robot?.code ?? 'dingsmoketest0000000',
    senderCorpId: corpId,
    senderId: `$:LWCP_v1:$${digest(`sender:${options.staffId}`).subarray(0, 16).toString('base64')}`,
    senderNick: options.nick,
    senderPlatform: 'Mac',
    senderStaffId: options.staffId,
    sessionWebhook: options.sessionWebhook,
    // DingTalk's session webhooks live 90 minutes (dingtalk.md §3.1).
    sessionWebhookExpiredTime: now + 5_400_000,
  };
  if (options.content) {
    body.msgtype = options.content.msgtype;
    body.content = options.content.content;
  } else {
    body.text = {
      content: options.group ? `${GROUP_TEXT_PREFIX}${options.text}` : options.text,
      ...(options.repliedMsg ? { isReplyMsg: true, repliedMsg: options.repliedMsg } : {}),
    };
  }
  if (options.group) {
    body.conversationTitle = options.conversationTitle ?? '冒烟测试群';
    body.isInAtList = true;
    body.atUsers = [{ dingtalkId: robotId }];
  }
  return body;
}

/** The headers DingTalk sends with a callback: lower-case `timestamp` and `sign`. */
export function buildCallbackHeaders(secret: string, timestamp: string): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    timestamp,
    sign: signDingTalk(timestamp, secret),
  };
}

function digest(input: string): Buffer {
  return createHash('sha256').update(`dingtalk-smoke-test:${input}`).digest();
}
