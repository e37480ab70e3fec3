import { MAX_CALLBACK_TEXT_CHARS } from '../../src/dingtalk/callback-schema';
import { GROUP_TEXT_PREFIX } from '../lib/build-callback';
import type { Member } from './members';

/** Where a member sends from the page: their direct chat with the robot, or the group. */
export type ChatKind = 'dm' | 'group';

/** The longest text a member can send in each chat: DingTalk's callback carries at most 20,000 characters, and in
 * a group its text starts with the space the removed @robot mention leaves. */
export const MAX_TEXT_CHARS: Readonly<Record<ChatKind, number>> = {
  dm: MAX_CALLBACK_TEXT_CHARS,
  group: MAX_CALLBACK_TEXT_CHARS - GROUP_TEXT_PREFIX.length,
};

/** Pieces of one message with pictures, in the order written: text, or a picture the page attached. */
export type DraftPart = { text: string } | { attachment: string };

/**
 * What a member sends, by kind: text (possibly quoting an earlier message), a voice message (what was said, as
 * DingTalk's speech recognition wrote it), pictures with or without text, or a file.
 */
export type MessageBody =
  | { kind: 'text'; text: string; quote?: string }
  | { kind: 'voice'; text: string }
  | { kind: 'pictures'; parts: DraftPart[] }
  | { kind: 'file'; attachment: string };

/** A message the page asked to send, checked; `error` is the Chinese line the page shows. */
export type MemberMessage = { member: Member; chat: ChatKind; body: MessageBody } | { error: string };

// As many pieces as the connector reads from one rich text message.
const MAX_PARTS = 50;
const GROUP_NOT_DELIVERED =
  '钉钉不会把群里的语音和文件发给机器人（群里 @机器人 只送达文字、图片和图文）：请在单聊里发送';

/**
 * Checks what the page posts to /api/messages: a member, a chat and a message DingTalk would deliver. An empty text
 * is a bare @-mention in the group (DingTalk delivers it; the robot shows its help); a direct chat cannot send one.
 * Voice messages and files reach a robot only in a direct chat.
 */
export function readMemberMessage(input: unknown, members: readonly Member[]): MemberMessage {
  const fields = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const member = members.find((candidate) => candidate.staffId === fields.staffId);
  if (!member) return { error: '发送失败：没有这个成员' };
  const chat = fields.chat;
  if (chat !== 'dm' && chat !== 'group') return { error: '发送失败：会话必须是单聊（dm）或群聊（group）' };
  const body = readBody(fields, chat);
  return 'error' in body ? body : { member, chat, body };
}

function readBody(fields: Record<string, unknown>, chat: ChatKind): MessageBody | { error: string } {
  const kind = fields.kind ?? 'text';
  const max = MAX_TEXT_CHARS[chat];
  const tooLong = (length: number) => ({
    error: `消息太长：钉钉一条消息最多 ${max} 个字符，这条有 ${length} 个`,
  });
  switch (kind) {
    case 'text': {
      const { text, quote } = fields;
      if (typeof text !== 'string') return { error: '发送失败：缺少消息内容' };
      if (chat === 'dm' && text.trim() === '') return { error: '消息不能为空' };
      if (text.length > max) return tooLong(text.length);
      if (quote !== undefined && typeof quote !== 'string') return { error: '发送失败：引用的消息不对' };
      return { kind: 'text', text, ...(quote === undefined ? {} : { quote }) };
    }
    case 'voice': {
      if (chat === 'group') return { error: GROUP_NOT_DELIVERED };
      if (typeof fields.text !== 'string') return { error: '发送失败：缺少语音识别的文字' };
      if (fields.text.length > max) return tooLong(fields.text.length);
      return { kind: 'voice', text: fields.text };
    }
    case 'pictures': {
      const parts = readParts(fields.parts);
      if (!parts) return { error: '发送失败：图文消息的内容不对' };
      if (!parts.some((part) => 'attachment' in part)) return { error: '发送失败：没有图片' };
      const length = parts.reduce((sum, part) => sum + ('text' in part ? part.text.length : 0), 0);
      if (length > max) return tooLong(length);
      return { kind: 'pictures', parts };
    }
    case 'file': {
      if (chat === 'group') return { error: GROUP_NOT_DELIVERED };
      if (typeof fields.attachment !== 'string') return { error: '发送失败：没有文件' };
      return { kind: 'file', attachment: fields.attachment };
    }
    default:
      return { error: '发送失败：不认识的消息类型' };
  }
}

function readParts(value: unknown): DraftPart[] | undefined {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_PARTS) return undefined;
  const parts: DraftPart[] = [];
  for (const item of value) {
    const part = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    if (typeof part.attachment === 'string') parts.push({ attachment: part.attachment });
    else if (typeof part.text === 'string') parts.push({ text: part.text });
    else return undefined;
  }
  return parts;
}
