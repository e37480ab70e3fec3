import { randomBytes } from 'node:crypto';
import type { ReceiveFile } from './dingtalk-content';
import { dingTalkContent } from './dingtalk-content';
import type { KeptMessage } from './kept-message';

/** A message of the page's chats that a later message can quote. */
export interface QuotableMessage {
  msgId: string;
  chatKey: string;
  /** The sender's DingTalk id ($:LWCP_v1:$…), as a callback's senderId. */
  senderId: string;
  nick: string;
  createdAt: number;
  message: KeptMessage;
}

/** What DingTalk puts in `text.repliedMsg` when a message quotes another. */
export interface RepliedMsg {
  msgId: string;
  msgType: string;
  senderId: string;
  createdAt: number;
  content: Record<string, unknown>;
}

// As many as the page's event history keeps: an older message is no longer shown, so it cannot be quoted.
const KEEP_MESSAGES = 2000;

/**
 * The messages members and the robot sent, by msgId, so that a message can quote any earlier one of its chat. The
 * robot's answers are quoted as text (an AI card with what it shows at the time of the quote).
 */
export function createQuotableMessages(robot: { dingtalkId: string; name: string }) {
  const messages = new Map<string, QuotableMessage>();
  const msgIdOfCard = new Map<string, string>();

  function remember(entry: QuotableMessage): void {
    messages.delete(entry.msgId);
    messages.set(entry.msgId, entry);
    for (const msgId of messages.keys()) {
      if (messages.size <= KEEP_MESSAGES) break;
      messages.delete(msgId);
    }
  }

  return {
    remember,
    /**
     * Keeps a robot answer and returns its msgId; `cardId` (an AI card's outTrackId) keeps one msgId for all the
     * updates of a card, each replacing the text.
     */
    rememberRobot(chatKey: string, text: string, cardId?: string): string {
      const known = cardId === undefined ? undefined : msgIdOfCard.get(cardId);
      const msgId = known ?? `msg${randomBytes(16).toString('base64')}`;
      if (cardId !== undefined) msgIdOfCard.set(cardId, msgId);
      const createdAt = messages.get(msgId)?.createdAt ?? Date.now();
      remember({
        msgId,
        chatKey,
        senderId: robot.dingtalkId,
        nick: robot.name,
        createdAt,
        message: { msgType: 'text', text },
      });
      return msgId;
    },
    /** A message of this chat, or undefined (another chat's, or too old). */
    find(msgId: string, chatKey: string): QuotableMessage | undefined {
      const entry = messages.get(msgId);
      return entry?.chatKey === chatKey ? entry : undefined;
    },
  };
}

export type QuotableMessages = ReturnType<typeof createQuotableMessages>;

/** The `repliedMsg` of a message quoting `entry`: its pictures and files with fresh download codes. */
export function repliedMsgOf(entry: QuotableMessage, receive: ReceiveFile): RepliedMsg {
  return {
    msgId: entry.msgId,
    msgType: entry.message.msgType,
    senderId: entry.senderId,
    createdAt: entry.createdAt,
    content: dingTalkContent(entry.message, receive),
  };
}
