import { h } from './dom.js';
import { pictureMarker } from './draft.js';
import { attachmentUrl, quoteSummary } from './media-content.js';
import { formatSize } from './media-format.js';

/**
 * What the message being written carries besides its text: the message it quotes (a bar with ×), and the
 * pictures attached to it (thumbnails named by their markers, each with ×). `render(draft)` redraws both.
 */
export function createDraftView({ quoteBar, tray, onRemovePicture, onCancelQuote }) {
  function render(draft) {
    quoteBar.hidden = !draft.quote;
    quoteBar.replaceChildren(
      ...(draft.quote
        ? [
            h('span', { class: 'quote-bar-label' }, '引用'),
            h('span', { class: 'quote-bar-text' }, `${draft.quote.nick}：${quoteSummary(draft.quote)}`),
            h(
              'button',
              {
                type: 'button',
                class: 'remove',
                title: '取消引用',
                'aria-label': '取消引用',
                onclick: onCancelQuote,
              },
              '×',
            ),
          ]
        : []),
    );
    tray.hidden = draft.pictures.length === 0;
    tray.replaceChildren(
      ...draft.pictures.map((picture) =>
        h(
          'span',
          { class: 'draft-picture', 'data-testid': 'draft-picture' },
          h('img', { src: attachmentUrl(picture.info.id), alt: picture.info.name }),
          h(
            'span',
            { class: 'draft-picture-text' },
            h('span', { class: 'draft-picture-marker' }, pictureMarker(picture.number)),
            h('span', { class: 'draft-picture-size' }, formatSize(picture.info.size)),
            picture.warning
              ? h(
                  'span',
                  { class: 'draft-picture-warning', title: '发送后机器人会回复一句说明' },
                  picture.warning,
                )
              : null,
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'remove',
              title: '移除这张图片',
              'aria-label': `移除${pictureMarker(picture.number)}`,
              onclick: () => onRemovePicture(picture.number),
            },
            '×',
          ),
        ),
      ),
    );
  }
  return { render };
}
