import { foldForMatching, foldWithOrigins } from './fold-text';

/**
 * What each masked character becomes: U+3007 〇, the "○○" placeholder look. Not `*`, `_`, `~` or any other
 * markdown syntax, and (unlike 🚫, ＊ or ■) not in Unicode's punctuation or symbol categories, which CommonMark
 * 0.31 counts when deciding whether a `**` next to it opens or closes emphasis: `这是**敏感**词` keeps its bold.
 */
export const SENSITIVE_MASK = '\u3007';

/** The first configured word the text contains, matched case-insensitively (and NFKC-normalised so full-width Latin matches); undefined if none. */
export function findSensitiveWord(text: string, words: readonly string[]): string | undefined {
  if (words.length === 0) return undefined;
  const folded = foldForMatching(text);
  return words.find((word) => {
    const needle = foldForMatching(word.trim());
    return needle !== '' && folded.includes(needle);
  });
}

/**
 * Every occurrence of every word masked (case-insensitively, NFKC-normalised), one {@link SENSITIVE_MASK} per
 * character, whitespace kept.
 */
export function maskSensitiveWords(text: string, words: readonly string[]): string {
  const needles = [...new Set(words.map((word) => foldForMatching(word.trim())))].filter(Boolean);
  if (needles.length === 0) return text;
  const { folded, graphemes, owner } = foldWithOrigins(text);
  // Marking every match (overlapping ones included) and masking afterwards covers overlaps like "ab" + "bc" in
  // "abc" whole, which replacing word by word, even longest first, would not.
  const masked = new Array<boolean>(graphemes.length).fill(false);
  for (const needle of needles) {
    for (let at = folded.indexOf(needle); at !== -1; at = folded.indexOf(needle, at + 1)) {
      const first = owner[at] ?? 0;
      const last = owner[at + needle.length - 1] ?? first;
      // Graphemes between the first and last (invisible ones fold to nothing) are part of the match too.
      masked.fill(true, first, last + 1);
    }
  }
  let result = '';
  for (const [index, { start, end }] of graphemes.entries()) {
    const grapheme = text.slice(start, end);
    result += masked[index] && !/^\s+$/u.test(grapheme) ? SENSITIVE_MASK : grapheme;
  }
  return result;
}
