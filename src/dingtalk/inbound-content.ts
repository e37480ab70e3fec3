/** A piece of a message in the order the user wrote it: text, or a picture to download. */
export type MessagePart = { type: 'text'; text: string } | { type: 'picture'; downloadCode: string };

/**
 * What a DingTalk message says, whatever its msgtype (receive-message doc, dingtalk.md §3): typed text, a voice
 * message's transcript (DingTalk's own `recognition`), pictures mixed with text (picture, richText), a file, or
 * something the robot does not read (video, …).
 */
export type InboundContent =
  | { kind: 'text'; text: string }
  | { kind: 'voice'; transcript: string }
  | { kind: 'pictures'; parts: MessagePart[] }
  | { kind: 'file'; downloadCode: string; fileName: string }
  | { kind: 'other'; msgtype: string };

/** A quoted message (text.isReplyMsg): its content when DingTalk sent it, else only that there was one. */
export type QuotedContent = InboundContent | { kind: 'missing' };

// Download codes are opaque base64-like strings of a few hundred characters.
const MAX_CODE_CHARS = 2048;
const MAX_NAME_CHARS = 512;
const MAX_TEXT_CHARS = 20_000;
const MAX_PARTS = 50;

/** The content of a callback (or of a quoted message, which has the same shapes); never throws. */
export function readInboundContent(msgtype: string, body: Record<string, unknown>): InboundContent {
  const content = asRecord(body.content);
  switch (msgtype) {
    case 'text': {
      const text = asRecord(body.text)?.content;
      return typeof text === 'string' ? { kind: 'text', text } : { kind: 'other', msgtype };
    }
    case 'audio':
      return { kind: 'voice', transcript: boundedText(content?.recognition) ?? '' };
    case 'picture': {
      const downloadCode = code(content?.downloadCode);
      return downloadCode ? { kind: 'pictures', parts: [{ type: 'picture', downloadCode }] } : other(msgtype);
    }
    case 'richText': {
      const parts = readRichText(content?.richText);
      return parts.length > 0 ? { kind: 'pictures', parts } : other(msgtype);
    }
    case 'file': {
      const downloadCode = code(content?.downloadCode);
      const fileName = boundedText(content?.fileName, MAX_NAME_CHARS) ?? '';
      return downloadCode ? { kind: 'file', downloadCode, fileName } : other(msgtype);
    }
    default:
      return other(msgtype);
  }
}

/**
 * The message a text quotes: `text.repliedMsg` with `msgType` and a `content` that DingTalk sends as an object or
 * as a JSON string (text in `text` or `content`, media in `downloadCode`, mixed in `richText`, voice in
 * `recognition`). Undefined when the text quotes nothing.
 */
export function readQuote(text: unknown): QuotedContent | undefined {
  const record = asRecord(text);
  if (record?.isReplyMsg !== true && record?.repliedMsg === undefined) return undefined;
  const replied = asRecord(record?.repliedMsg);
  if (!replied) return { kind: 'missing' };
  const msgType = typeof replied.msgType === 'string' ? replied.msgType : '';
  const content = asRecord(
    typeof replied.content === 'string' ? parseJson(replied.content) : replied.content,
  );
  if (!content) return { kind: 'missing' };
  if (msgType === 'text' || (msgType === '' && (content.text ?? content.content) !== undefined)) {
    const quoted = boundedText(content.text) ?? boundedText(content.content);
    return quoted === undefined ? { kind: 'missing' } : { kind: 'text', text: quoted };
  }
  if (msgType === 'audio') {
    const transcript = boundedText(content.recognition);
    return transcript ? { kind: 'voice', transcript } : { kind: 'missing' };
  }
  const read = readInboundContent(msgType, { content });
  return read.kind === 'other' ? { kind: 'missing' } : read;
}

function readRichText(value: unknown): MessagePart[] {
  if (!Array.isArray(value)) return [];
  const parts: MessagePart[] = [];
  for (const item of value.slice(0, MAX_PARTS)) {
    const part = asRecord(item);
    const downloadCode = code(part?.downloadCode);
    if (part?.type === 'picture' && downloadCode) parts.push({ type: 'picture', downloadCode });
    else if (typeof part?.text === 'string')
      parts.push({ type: 'text', text: part.text.slice(0, MAX_TEXT_CHARS) });
  }
  return parts;
}

function other(msgtype: string): InboundContent {
  return { kind: 'other', msgtype };
}

function code(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' && value.length <= MAX_CODE_CHARS ? value : undefined;
}

function boundedText(value: unknown, max = MAX_TEXT_CHARS): string | undefined {
  return typeof value === 'string' ? value.slice(0, max) : undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
