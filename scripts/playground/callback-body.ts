import { createHash, randomBytes } from 'node:crypto';
import type { Member } from './members';
import { GROUP, ROBOT } from './members';

const SESSION_LIFETIME_MS = 5_400_000;

/** The callback DingTalk would send for a member's text, with every field a real one has (dingtalk.md §3). */
export function buildCallbackBody(options: {
  member: Member;
  chat: 'dm' | 'group';
  text: string;
  sessionWebhook: string;
  now: number;
}): Record<string, unknown> {
  const { member, chat, now } = options;
  const dmConversationId = `cid${createHash('sha256').update(member.staffId).digest('base64').slice(0, 40)}=`;
  const conversationId = chat === 'group' ? GROUP.conversationId : dmConversationId;
  const body: Record<string, unknown> = {
    conversationId,
    chatbotCorpId: ROBOT.corpId,
    chatbotUserId: ROBOT.dingtalkId,
    msgId: `msg${randomBytes(16).toString('base64')}`,
    senderNick: member.nick,
    isAdmin: member.isAdmin,
    senderStaffId: member.staffId,
    sessionWebhookExpiredTime: now + SESSION_LIFETIME_MS,
    createAt: now,
    senderCorpId: ROBOT.corpId,
    conversationType: chat === 'group' ? '2' : '1',
    senderId: `$:LWCP_v1:$${createHash('sha256').update(member.staffId).digest('base64').slice(0, 24)}`,
    sessionWebhook: options.sessionWebhook,
    robotCode: ROBOT.appKey,
    senderPlatform: 'Web',
    openThreadId: conversationId,
    msgtype: 'text',
    // In groups DingTalk removes the @robot mention from the text but leaves the space after it.
    text: { content: chat === 'group' ? ` ${options.text}` : options.text },
  };
  if (chat === 'group') {
    body.conversationTitle = GROUP.title;
    body.isInAtList = true;
    body.atUsers = [{ dingtalkId: ROBOT.dingtalkId }];
  }
  return body;
}
