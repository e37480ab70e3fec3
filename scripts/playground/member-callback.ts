import { buildCallback } from '../lib/build-callback';
import type { Attachments } from './attachments';
import type { ReceiveFile } from './dingtalk-content';
import { dingTalkContent } from './dingtalk-content';
import type { ShownContent } from './kept-message';
import { keepMessage, showMessage } from './kept-message';
import type { ChatKind, MessageBody } from './member-message';
import type { Member } from './members';
import { GROUP, ROBOT } from './members';
import type { QuotableMessage, QuotableMessages } from './quotable-messages';
import { repliedMsgOf } from './quotable-messages';

/** What the page shows of a member's message: a line of text, its pictures, voice or file, and what it quotes. */
export interface ShownMessage {
  text: string;
  content?: ShownContent;
  quote?: { msgId: string; nick: string; text: string; content?: ShownContent };
}

/**
 * The callback DingTalk would send the robot for a member's message, built as DingTalk builds it (the pictures and
 * files handed to the emulated DingTalk for fresh download codes), with what the page shows and what a later
 * quote of it needs. An error line when it refers to a picture, file or quoted message the playground no longer has.
 */
export function buildMemberCallback(
  message: { member: Member; chat: ChatKind; body: MessageBody },
  deps: {
    attachments: Pick<Attachments, 'get'>;
    quotes: Pick<QuotableMessages, 'find'>;
    receive: ReceiveFile;
    sessionWebhook: string;
    now: number;
  },
): { callback: Record<string, unknown>; shown: ShownMessage; kept: QuotableMessage } | { error: string } {
  const { member, chat, body } = message;
  const chatKey = chat === 'group' ? 'group' : `dm:${member.staffId}`;
  const kept = keepMessage(body, chat, deps.attachments);
  if ('error' in kept) return kept;
  let quoted: QuotableMessage | undefined;
  if (body.kind === 'text' && body.quote !== undefined) {
    quoted = deps.quotes.find(body.quote, chatKey);
    if (!quoted) return { error: '发送失败：找不到要引用的消息（只能引用本会话里的消息）' };
  }
  const callback = buildCallback({
    text: kept.msgType === 'text' ? kept.text : '',
    ...(kept.msgType === 'text'
      ? {}
      : { content: { msgtype: kept.msgType, content: dingTalkContent(kept, deps.receive) } }),
    ...(quoted ? { repliedMsg: repliedMsgOf(quoted, deps.receive) } : {}),
    group: chat === 'group',
    sessionWebhook: deps.sessionWebhook,
    staffId: member.staffId,
    nick: member.nick,
    isAdmin: member.isAdmin,
    now: deps.now,
    robot: { code: ROBOT.appKey, dingtalkId: ROBOT.dingtalkId, corpId: ROBOT.corpId },
    ...(chat === 'group' ? { conversationId: GROUP.conversationId, conversationTitle: GROUP.title } : {}),
  });
  const shown: ShownMessage = {
    ...showMessage(kept),
    ...(quoted ? { quote: { msgId: quoted.msgId, nick: quoted.nick, ...showMessage(quoted.message) } } : {}),
  };
  return {
    callback,
    shown,
    kept: {
      msgId: String(callback.msgId),
      chatKey,
      senderId: String(callback.senderId),
      nick: member.nick,
      createdAt: deps.now,
      message: kept,
    },
  };
}
