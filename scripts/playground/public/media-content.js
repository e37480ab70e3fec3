import { h } from './dom.js';
import { fileBadge, formatDuration, formatSize } from './media-format.js';

/**
 * What a member's message shows besides plain text, as DingTalk shows it: a voice bubble with its length and
 * transcript, pictures as thumbnails among the text in the order written, a file as a chip (type, name, size),
 * and above it all the message it quotes.
 */

/** The URL of a picture or file members sent (served by the playground). */
export function attachmentUrl(id) {
  return `/api/attachments/${encodeURIComponent(id)}`;
}

/** The body of a user message: `record` has `text`, and `content` for anything but plain text. */
export function renderUserContent(record) {
  return renderContent(record.content, record.text ?? '');
}

/** One line for the chat list. */
export function previewContent(content, text) {
  if (content?.kind === 'voice') return `[语音] ${text}`;
  return text;
}

function renderContent(content, text) {
  switch (content?.kind) {
    case 'voice':
      return [
        h(
          'span',
          {
            class: 'voice',
            'data-testid': 'voice-bubble',
            style: { width: `${voiceWidth(content.durationMs)}px` },
          },
          h('span', { class: 'voice-icon', 'aria-hidden': 'true' }, '🔊'),
          h('span', { class: 'voice-duration' }, formatDuration(content.durationMs)),
        ),
        h(
          'span',
          { class: `voice-text${text.trim() ? '' : ' empty'}`, title: '钉钉语音识别的文字（recognition）' },
          text.trim() ? text : '（没有识别出文字）',
        ),
      ];
    case 'pictures':
      return content.parts.map((part) =>
        part.picture ? renderThumbnail(part.picture) : h('span', { class: 'user-text' }, part.text),
      );
    case 'file':
      return [renderFileChip(content.file)];
    default:
      return [h('span', { class: 'user-text' }, text)];
  }
}

function renderThumbnail(picture) {
  return h(
    'a',
    {
      class: 'thumb-link',
      href: attachmentUrl(picture.id),
      target: '_blank',
      title: `${picture.name} · ${formatSize(picture.size)}`,
    },
    h('img', { class: 'thumb', src: attachmentUrl(picture.id), alt: picture.name, 'data-testid': 'picture' }),
  );
}

/** A file as a chip: its type, name and size; a click downloads it. */
export function renderFileChip(file) {
  return h(
    'a',
    { class: 'file-chip', 'data-testid': 'file-chip', href: attachmentUrl(file.id), download: file.name },
    fileBadgeElement(file.name),
    h(
      'span',
      { class: 'file-text' },
      h('span', { class: 'file-name' }, file.name),
      h('span', { class: 'file-size' }, formatSize(file.size)),
    ),
  );
}

/** A file's type as a coloured badge: PDF, DOCX, XLSX, … */
export function fileBadgeElement(name) {
  const badge = fileBadge(name);
  return h('span', { class: `file-badge badge-${badge.toLowerCase()}` }, badge);
}

/** The quoted message, above the reply: who sent it and a short form of what it was. */
export function renderQuote(quote) {
  return h(
    'span',
    { class: 'quoted', 'data-testid': 'quoted' },
    h('span', { class: 'quoted-nick' }, `${quote.nick}：`),
    h('span', { class: 'quoted-text' }, quoteSummary(quote)),
  );
}

/** A quoted message in a line: its text, or what it was ([图片], [语音] …, [文件] name). */
export function quoteSummary(quote) {
  const text = (quote.text ?? '').replace(/\s+/g, ' ').trim();
  const short = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  return quote.content?.kind === 'voice' ? `[语音] ${short}` : short;
}

// DingTalk's voice bubble grows with the message's length.
function voiceWidth(ms) {
  return Math.round(72 + Math.min(60, ms / 1000) * 2.5);
}
