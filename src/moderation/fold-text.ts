/** A text folded for matching, with the grapheme each folded character came from. */
export interface FoldedText {
  /** The whole text folded (see {@link foldForMatching}). */
  folded: string;
  /** The graphemes of the original text, in order, as [start, end) offsets into it. */
  graphemes: Array<{ start: number; end: number }>;
  /** For each UTF-16 index of `folded`, the index of the grapheme it came from. */
  owner: number[];
}

// Zero-width spaces, soft hyphens, joiners and variation selectors are invisible ("敏\u200b感" reads as "敏感"),
// and combining marks only decorate a letter ("b" + U+0301 still reads as a b).
const INVISIBLE_OR_MARK = /[\p{Default_Ignorable_Code_Point}\p{M}]/gu;
// What can sit between the letters of a word without hiding it: whitespace, punctuation, control and format
// characters, and symbols (markdown's `~`, `|`, arrows, ★). Emoji shown as pictures are not separators: they
// can be (part of) a word themselves.
const SEPARATOR = /[\p{White_Space}\p{P}\p{Cc}\p{Cf}]|(?!\p{Emoji_Presentation})\p{S}/gu;

/**
 * Cyrillic and Greek letters (and a few Latin ones) that look like a Latin letter. Looked up before and after
 * lower-casing: Greek capital Η looks like H while its small letter η looks like n. Written as escapes, since
 * the letters themselves are exactly what a reader cannot tell apart.
 */
const LOOK_ALIKES = new Map<string, string>([
  // Cyrillic а в е к м н о р с т у х ѕ і ј ԁ ԛ ԝ ѡ ѵ ү һ ӏ; their capitals lower-case to them.
  ...pairs(
    '\u0430\u0432\u0435\u043a\u043c\u043d\u043e\u0440\u0441\u0442\u0443\u0445\u0455\u0456\u0458\u0501\u051b\u051d\u0461\u0475\u04af\u04bb\u04cf',
    'abekmhopctyxsijdqwwvyhl',
  ),
  // Greek capitals Η Μ Ν Υ Ϲ, which look unlike their small letters.
  ...pairs('\u0397\u039c\u039d\u03a5\u03f9', 'hmnyc'),
  // Greek α β γ ε ζ η ι κ μ ν ο ρ τ υ χ ω ϲ ϳ.
  ...pairs(
    '\u03b1\u03b2\u03b3\u03b5\u03b6\u03b7\u03b9\u03ba\u03bc\u03bd\u03bf\u03c1\u03c4\u03c5\u03c7\u03c9\u03f2\u03f3',
    'abyeznikuvoptuxwcj',
  ),
  // Final ς is only another way to write σ, which lower-casing one letter at a time never produces.
  ...pairs('\u03c2', '\u03c3'),
  // Latin ɑ ɡ ı ȷ.
  ...pairs('\u0251\u0261\u0131\u0237', 'agij'),
]);

// Folding is per code point (see foldChar), so a cache makes an answer's thousands of repeats cheap. Bounded:
// a text of many distinct characters must not grow it for ever.
const CACHE_LIMIT = 20_000;
const folds = new Map<string, string>();
// Created on first use: ICU's segmentation data costs a few MB, paid only where SENSITIVE_WORDS is set.
let segmenter: Intl.Segmenter | undefined;

/**
 * The text as matching sees it: compatibility-normalised (full-width Latin becomes ASCII), without combining
 * marks and invisible characters, lower-cased, look-alike Cyrillic and Greek letters made Latin, and without
 * whitespace, punctuation and symbols. Character by character, so any piece of a text folds to a piece of the
 * text's fold.
 */
export function foldForMatching(text: string): string {
  let folded = '';
  for (const char of text) folded += foldChar(char);
  return folded;
}

/** Folds `text` grapheme by grapheme, so a match in the folded text maps back to whole original graphemes. */
export function foldWithOrigins(text: string): FoldedText {
  const fold: FoldedText = { folded: '', graphemes: [], owner: [] };
  extendFold(fold, text);
  return fold;
}

/**
 * Brings `fold`, made of a beginning of `text`, up to all of it: its last grapheme is folded again (what was
 * added may extend it: a combining mark, a joiner), then what was added. Costs what was added, not all the text.
 */
export function extendFold(fold: FoldedText, text: string): void {
  const { graphemes, owner } = fold;
  let reopened = graphemes.pop();
  // Half a surrogate pair stands alone until its other half comes, which may join the grapheme before it.
  if (reopened && reopened.end - reopened.start === 1 && /[\ud800-\udbff]/.test(text[reopened.start] ?? '')) {
    reopened = graphemes.pop() ?? reopened;
  }
  while (owner.length > 0 && (owner[owner.length - 1] ?? 0) >= graphemes.length) owner.pop();
  const from = reopened?.start ?? 0;
  let folded = fold.folded.slice(0, owner.length);
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  for (const { segment, index } of segmenter.segment(text.slice(from))) {
    const piece = foldForMatching(segment);
    for (let i = 0; i < piece.length; i++) owner.push(graphemes.length);
    graphemes.push({ start: from + index, end: from + index + segment.length });
    folded += piece;
  }
  fold.folded = folded;
}

function foldChar(char: string): string {
  let folded = folds.get(char);
  if (folded === undefined) {
    if (folds.size >= CACHE_LIMIT) folds.clear();
    folded = foldUncached(char);
    folds.set(char, folded);
  }
  return folded;
}

function foldUncached(char: string): string {
  // Looked up before normalising too, which turns lunate ϲ into σ.
  const normal = toLatin(bare(toLatin(char)));
  // Lower-casing can add a mark again (İ becomes i + U+0307) and give a look-alike (Cyrillic А becomes а).
  return toLatin(bare(normal.toLowerCase())).replace(SEPARATOR, '');
}

function bare(text: string): string {
  return text.normalize('NFKD').replace(INVISIBLE_OR_MARK, '');
}

function toLatin(text: string): string {
  let latin = '';
  for (const char of text) latin += LOOK_ALIKES.get(char) ?? char;
  return latin;
}

function pairs(from: string, to: string): Array<[string, string]> {
  const targets = [...to];
  return [...from].map((char, index) => [char, targets[index] ?? char]);
}
