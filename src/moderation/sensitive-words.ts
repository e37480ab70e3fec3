import { type FoldedText, foldForMatching, foldWithOrigins } from './fold-text';

/**
 * What each masked character becomes: U+3007 〇, the "○○" placeholder look. Not `*`, `_`, `~` or any other
 * markdown syntax, and (unlike 🚫, ＊ or ■) not in Unicode's punctuation or symbol categories, which CommonMark
 * 0.31 counts when deciding whether a `**` next to it opens or closes emphasis: `这是**敏感**词` keeps its bold.
 */
export const SENSITIVE_MASK = '\u3007';

/** The words as matching sees them ({@link foldForMatching}), each once, without those that fold to nothing. */
export function foldWords(words: readonly string[]): string[] {
  return [...new Set(words.map(foldForMatching))].filter(Boolean);
}

/**
 * The first configured word the text contains, both folded alike (case, full width, invisible and combining
 * characters, whitespace and punctuation, look-alike letters); undefined if none.
 */
export function findSensitiveWord(text: string, words: readonly string[]): string | undefined {
  if (words.length === 0) return undefined;
  const folded = foldForMatching(text);
  return words.find((word) => {
    const needle = foldForMatching(word);
    return needle !== '' && folded.includes(needle);
  });
}

/**
 * Every occurrence of every word (matched as {@link findSensitiveWord} does) masked: one
 * {@link SENSITIVE_MASK} per letter, the whitespace and punctuation between them kept.
 */
export function maskSensitiveWords(text: string, words: readonly string[]): string {
  const needles = foldWords(words);
  // Most answers hold no word: finding that out costs a fraction of splitting the text into graphemes.
  const plain = foldForMatching(text);
  if (!needles.some((needle) => plain.includes(needle))) return text;
  const folded = foldWithOrigins(text);
  return maskGraphemes(text, folded, findMatches(folded, needles));
}

/** A match of a word, as the first and last of the graphemes it covers. */
export interface Match {
  first: number;
  last: number;
}

/** Every occurrence of every (folded) needle in a folded text from grapheme `from` on, overlaps included. */
export function findMatches({ folded, owner }: FoldedText, needles: readonly string[], from = 0): Match[] {
  const matches: Match[] = [];
  const start = firstFoldedOf(owner, from);
  for (const needle of needles) {
    for (let at = folded.indexOf(needle, start); at !== -1; at = folded.indexOf(needle, at + 1)) {
      const first = owner[at] ?? 0;
      matches.push({ first, last: owner[at + needle.length - 1] ?? first });
    }
  }
  return matches;
}

/**
 * Graphemes `from` to `to` of the text, those inside a match masked. Whitespace and punctuation inside a
 * match stay, so lines, markdown and the rest of the text read as before; invisible characters are masked.
 */
export function maskGraphemes(
  text: string,
  { graphemes }: FoldedText,
  matches: readonly Match[],
  from = 0,
  to = graphemes.length,
): string {
  const matched = coverage(matches, from, to);
  let result = '';
  for (const [offset, { start, end }] of graphemes.slice(from, to).entries()) {
    const grapheme = text.slice(start, end);
    result += matched[offset] && !isVisibleSeparator(grapheme) ? SENSITIVE_MASK : grapheme;
  }
  return result;
}

/**
 * For each grapheme `from` to `to`, whether a match covers it. Marking every match and masking afterwards
 * covers overlaps like "ab" + "bc" in "abc" whole, which replacing word by word (even longest first) would
 * not.
 */
function coverage(matches: readonly Match[], from: number, to: number): boolean[] {
  const covered = new Array<boolean>(Math.max(0, to - from)).fill(false);
  for (const { first, last } of matches) {
    if (last < from || first >= to) continue;
    // Graphemes between a match's first and last, separators that fold to nothing, are part of it too.
    covered.fill(true, Math.max(first, from) - from, Math.min(last + 1, to) - from);
  }
  return covered;
}

/** The index in the folded text of grapheme `grapheme`'s first folded character (or where it would be). */
function firstFoldedOf(owner: readonly number[], grapheme: number): number {
  let low = 0;
  let high = owner.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((owner[middle] ?? 0) < grapheme) low = middle + 1;
    else high = middle;
  }
  return low;
}

function isVisibleSeparator(grapheme: string): boolean {
  return foldForMatching(grapheme) === '' && /\P{Default_Ignorable_Code_Point}/u.test(grapheme);
}
