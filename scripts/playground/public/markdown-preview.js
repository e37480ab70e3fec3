import { renderMarkdown } from './markdown.js';

/**
 * The one-line text of a markdown message, for the chat list: what the rendered message says, markers gone,
 * everything else (underscores in names, `#` inside a sentence, …) kept. No DOM use: unit tests import it.
 */

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };

/** Plain text of rendered markdown on one line; images read [图片], mentions @nick as in the message. */
export function previewText(markdown, options = {}) {
  return renderMarkdown(markdown, options)
    .replace(/<div class="code-lang">[^<]*<\/div>/g, '')
    .replace(/<img [^>]*>/g, '[图片]')
    .replace(/<br>|<hr>|<\/(?:p|h[1-6]|li|tr|th|td|blockquote|pre|div)>/g, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|#39);/g, (_, name) => ENTITIES[name])
    .replace(/\s+/g, ' ')
    .trim();
}
