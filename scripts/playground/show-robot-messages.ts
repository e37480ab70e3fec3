import type { DingTalkApiOptions } from '../emulators/dingtalk-api';
import type { EventHub } from './event-hub';
import type { QuotableMessages } from './quotable-messages';

/** Which chat of the page a webhook session belongs to, and the last message asked in each chat. */
export interface ChatLookup {
  chatOfSession: ReadonlyMap<string, string>;
  lastMsgIdOfChat: ReadonlyMap<string, string>;
}

/**
 * The emulated DingTalk's hooks that put what the robot sends (messages, AI cards) into the page's chats, each
 * with the msgId a later message quotes it by.
 */
export function showRobotMessages(
  hub: EventHub,
  chats: ChatLookup,
  quotes: Pick<QuotableMessages, 'rememberRobot'>,
): Pick<DingTalkApiOptions, 'onCard' | 'onMessage'> {
  return {
    onCard: (card) => {
      const chatKey = chatOfCardSpace(card.openSpaceId);
      if (!chatKey) return;
      hub.emit({
        type: 'card',
        chatKey,
        outTrackId: card.outTrackId,
        content: card.content,
        flowStatus: card.flowStatus,
        finalized: card.finalized,
        error: card.error,
        updates: card.updates,
        atUserIds: card.atUserIds,
        msgId: chats.lastMsgIdOfChat.get(chatKey),
        quoteId: quotes.rememberRobot(chatKey, card.content, card.outTrackId),
      });
    },
    onMessage: (message) => {
      const body = message.channel === 'webhook' ? message.post.body : message.message.msgParam;
      const chatKey =
        message.channel === 'webhook'
          ? chats.chatOfSession.get(message.post.session)
          : message.message.kind === 'group'
            ? 'group'
            : `dm:${message.message.body.userIds?.[0]}`;
      if (!chatKey) return;
      const markdown = message.channel === 'webhook' ? body.markdown : body;
      const text = markdown?.text ?? body.text?.content ?? '';
      hub.emit({
        type: 'robot-message',
        chatKey,
        channel: message.channel,
        msgtype: message.channel === 'webhook' ? body.msgtype : 'markdown',
        title: markdown?.title ?? '',
        text,
        atUserIds: body.at?.atUserIds ?? [],
        msgId: chats.lastMsgIdOfChat.get(chatKey),
        quoteId: quotes.rememberRobot(chatKey, String(text)),
      });
    },
  };
}

/** `dtv1.card//IM_ROBOT.<staffId>` is that member's direct chat, `dtv1.card//IM_GROUP.<cid>` the group. */
function chatOfCardSpace(openSpaceId: string): string | undefined {
  const robot = /IM_ROBOT\.(.+)$/.exec(openSpaceId);
  if (robot) return `dm:${robot[1]}`;
  return /IM_GROUP\./.test(openSpaceId) ? 'group' : undefined;
}
