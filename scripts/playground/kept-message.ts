import type { Attachment, AttachmentInfo, Attachments } from './attachments';
import { describeAttachment } from './attachments';
import type { ChatKind, MessageBody } from './member-message';

/**
 * A message sent in the playground as it is kept: enough to build DingTalk's callback content now, and again,
 * with fresh download codes, when a later message quotes it. `msgType` is DingTalk's.
 */
export type KeptMessage =
  | { msgType: 'text'; text: string }
  | { msgType: 'audio'; recognition: string; durationMs: number }
  | { msgType: 'picture'; picture: Attachment }
  | { msgType: 'richText'; parts: Array<{ text: string } | { picture: Attachment }> }
  | { msgType: 'file'; file: Attachment };

/** How the page shows a message besides its text: a voice bubble, pictures among text, a file chip. */
export type ShownContent =
  | { kind: 'voice'; durationMs: number }
  | { kind: 'pictures'; parts: Array<{ text: string } | { picture: AttachmentInfo }> }
  | { kind: 'file'; file: AttachmentInfo };

// About four Chinese characters a second; DingTalk voice messages last at most 60 seconds.
const CHARS_PER_SECOND = 4;
const MAX_VOICE_MS = 60_000;

/**
 * What a member's message becomes in DingTalk: a picture alone in a direct chat is a `picture` message; text with
 * pictures, or any picture in a group @-mention, is `richText` in the written order (dingtalk.md §1, §3.2).
 */
export function keepMessage(
  body: MessageBody,
  chat: ChatKind,
  attachments: Pick<Attachments, 'get'>,
): KeptMessage | { error: string } {
  switch (body.kind) {
    case 'text':
      return { msgType: 'text', text: body.text };
    case 'voice':
      return { msgType: 'audio', recognition: body.text, durationMs: voiceDuration(body.text) };
    case 'file': {
      const file = attachments.get(body.attachment);
      return file ? { msgType: 'file', file } : { error: GONE };
    }
    case 'pictures': {
      const parts: Array<{ text: string } | { picture: Attachment }> = [];
      for (const part of body.parts) {
        if ('text' in part) {
          if (part.text !== '') parts.push({ text: part.text });
          continue;
        }
        const picture = attachments.get(part.attachment);
        if (!picture) return { error: GONE };
        if (!picture.image)
          return { error: `「${picture.name}」不是图片（PNG、JPEG、GIF、WEBP），请用「文件」发送` };
        parts.push({ picture });
      }
      const pictures = parts.flatMap((part) => ('picture' in part ? [part.picture] : []));
      const [only] = pictures;
      const alone =
        pictures.length === 1 && parts.every((part) => 'picture' in part || part.text.trim() === '');
      return chat === 'dm' && alone && only
        ? { msgType: 'picture', picture: only }
        : { msgType: 'richText', parts };
    }
  }
}

const GONE = '发送失败：这个图片或文件已不在演练场里（只保留最近上传的），请重新上传';

/** The page's view of a kept message: how to show it, and a one-line text for the chat list. */
export function showMessage(message: KeptMessage): { text: string; content?: ShownContent } {
  switch (message.msgType) {
    case 'text':
      return { text: message.text };
    case 'audio':
      return { text: message.recognition, content: { kind: 'voice', durationMs: message.durationMs } };
    case 'file':
      return {
        text: `[文件] ${message.file.name}`,
        content: { kind: 'file', file: describeAttachment(message.file) },
      };
    case 'picture':
    case 'richText': {
      const parts = message.msgType === 'picture' ? [{ picture: message.picture }] : message.parts;
      return {
        text: parts.map((part) => ('text' in part ? part.text : '[图片]')).join(''),
        content: {
          kind: 'pictures',
          parts: parts.map((part) => ('text' in part ? part : { picture: describeAttachment(part.picture) })),
        },
      };
    }
  }
}

/** How long saying `text` takes, roughly: what DingTalk's voice bubble shows. */
export function voiceDuration(text: string): number {
  const seconds = Math.ceil(Array.from(text.trim()).length / CHARS_PER_SECOND);
  return Math.min(MAX_VOICE_MS, Math.max(1, seconds) * 1000);
}
