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

/** A message the page asked to send, checked; `error` is the Chinese line the page shows. */
export type MemberMessage = { member: Member; chat: ChatKind; text: string } | { error: string };

/**
 * Checks what the page posts to /api/messages: a member, a chat and a text DingTalk would deliver. An empty text is
 * a bare @-mention in the group (DingTalk delivers it; the robot shows its help); a direct chat cannot send one.
 */
export function readMemberMessage(input: unknown, members: readonly Member[]): MemberMessage {
  const { staffId, chat, text } = (typeof input === 'object' && input !== null ? input : {}) as Record<
    string,
    unknown
  >;
  const member = members.find((candidate) => candidate.staffId === staffId);
  if (!member) return { error: '发送失败：没有这个成员' };
  if (chat !== 'dm' && chat !== 'group') return { error: '发送失败：会话必须是单聊（dm）或群聊（group）' };
  if (typeof text !== 'string') return { error: '发送失败：缺少消息内容' };
  if (chat === 'dm' && text.trim() === '') return { error: '消息不能为空' };
  const max = MAX_TEXT_CHARS[chat];
  if (text.length > max) {
    return { error: `消息太长：钉钉一条消息最多 ${max} 个字符，这条有 ${text.length} 个` };
  }
  return { member, chat, text };
}
