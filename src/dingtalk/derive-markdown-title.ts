const FENCE_LINE = /^\s*(`{3,}|~{3,})/;

/** A short plain-text title for a markdown message: its first non-empty line without markdown syntax. */
export function deriveMarkdownTitle(markdown: string, maxChars = 20): string {
  for (const line of markdown.split('\n')) {
    const plain = stripMarkdownLine(line);
    if (plain === '') continue;
    const codePoints = Array.from(plain);
    return codePoints.length <= maxChars ? plain : `${codePoints.slice(0, maxChars - 1).join('')}…`;
  }
  return '回复';
}

function stripMarkdownLine(line: string): string {
  if (FENCE_LINE.test(line) || /^[\s|:\-*_=]*$/.test(line)) return '';
  return line
    .replace(/\\([!-/:-@[-`{-~])/g, '$1')
    .replace(/^\s*(>\s*)+/, '')
    .replace(/^\s*#{1,6}\s+/, '')
    .replace(/\s+#+\s*$/, '')
    .replace(/^\s*([-*+]|\d+[.)])\s+(\[[ xX]\]\s+)?/, '')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/\*+|`+|~~/g, '')
    .replace(/(^|[\s(])_+|_+(?=$|[\s).,!?:;])/g, '$1')
    .replace(/\|/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
