const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/**
 * Splits `text` into pieces of at most `maxChars` UTF-16 units (never inside a surrogate pair), each starting
 * `overlap` units before the previous one ended, so a phrase on a boundary is seen whole by one piece.
 */
export function chunkText(text: string, maxChars: number, overlap: number): string[] {
  if (!(maxChars >= 8 && overlap >= 0 && overlap <= maxChars / 2)) {
    // Anything smaller could stop a piece from moving past the previous one's start.
    throw new RangeError('chunkText needs maxChars >= 8 and 0 <= overlap <= maxChars / 2');
  }
  if (text.length <= maxChars) return [text];
  const chunks: string[] = [];
  let start = 0;
  for (;;) {
    let end = Math.min(start + maxChars, text.length);
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--;
    chunks.push(text.slice(start, end));
    if (end === text.length) return chunks;
    let next = end - overlap;
    if (isLowSurrogate(text.charCodeAt(next))) next--;
    start = next;
  }
}
