import { createHash } from 'node:crypto';
import type { Attachment } from './attachments';
import type { KeptMessage } from './kept-message';
import { silentVoiceClip } from './samples/voice-clip';

/** Hands bytes to the emulated DingTalk as a user's upload: returns the download code a callback carries. */
export type ReceiveFile = (bytes: Buffer) => string;

/**
 * DingTalk's `content` for a message that is not plain text, exactly as its callbacks carry it (dingtalk.md §3.2,
 * test/fixtures/dingtalk-callbacks): every picture and file gets a fresh download code, as DingTalk issues them
 * with each message. A quoted message's `repliedMsg.content` has the same shape; a quoted text is `{text}`.
 */
export function dingTalkContent(message: KeptMessage, receive: ReceiveFile): Record<string, unknown> {
  switch (message.msgType) {
    case 'text':
      return { text: message.text };
    case 'audio':
      return {
        duration: message.durationMs,
        downloadCode: receive(silentVoiceClip(message.durationMs)),
        recognition: message.recognition,
      };
    case 'picture':
      return pictureCodes(message.picture, receive);
    case 'richText':
      return {
        richText: message.parts.map((part) =>
          'text' in part ? { text: part.text } : { ...pictureCodes(part.picture, receive), type: 'picture' },
        ),
      };
    case 'file':
      return {
        downloadCode: receive(message.file.bytes),
        fileId: digits(`file:${message.file.id}`, 12),
        fileName: message.file.name,
        spaceId: digits('space', 11),
      };
  }
}

function pictureCodes(picture: Attachment, receive: ReceiveFile): Record<string, string> {
  return { downloadCode: receive(picture.bytes), pictureDownloadCode: receive(picture.bytes) };
}

/** A stable id of digits, as DingTalk's fileId and spaceId are. */
function digits(seed: string, length: number): string {
  const hash = createHash('sha256').update(`playground:${seed}`).digest();
  return Array.from(hash.subarray(0, length), (byte, index) =>
    index === 0 ? 1 + (byte % 9) : byte % 10,
  ).join('');
}
