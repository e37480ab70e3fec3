/**
 * A message being written with pictures in it: each attached picture stands in the text as a marker, 「[图片1]」,
 * where the caret was when it was attached, so text and pictures go out in the order written (DingTalk's richText).
 * No DOM use: unit tests import it.
 */

/** The marker of the picture numbered `number`. */
export function pictureMarker(number) {
  return `[图片${number}]`;
}

const MARKER = /\[图片(\d+)\]/g;

/** The numbers of the picture markers in `text`. */
export function markersIn(text) {
  return new Set([...text.matchAll(MARKER)].map((match) => Number(match[1])));
}

/**
 * The parts of a message in written order: `{ text }` and `{ attachment }` for each marker of an attached picture
 * (`pictures`: [{ number, id }]). A marker no picture has stays text; empty texts are left out.
 */
export function draftParts(text, pictures) {
  const ids = new Map(pictures.map((picture) => [picture.number, picture.id]));
  const parts = [];
  let from = 0;
  for (const match of text.matchAll(MARKER)) {
    const id = ids.get(Number(match[1]));
    if (id === undefined) continue;
    if (match.index > from) parts.push({ text: text.slice(from, match.index) });
    parts.push({ attachment: id });
    from = match.index + match[0].length;
  }
  if (from < text.length) parts.push({ text: text.slice(from) });
  return parts;
}

/** `text` with `insert` put at the caret (`start`–`end` replaced), and where the caret goes after it. */
export function insertAtCaret(text, start, end, insert) {
  return { text: text.slice(0, start) + insert + text.slice(end), caret: start + insert.length };
}

/** `text` without the marker of picture `number`. */
export function removeMarker(text, number) {
  return text.split(pictureMarker(number)).join('');
}
