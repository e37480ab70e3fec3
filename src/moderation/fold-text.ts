/** A text folded for matching, with the grapheme each folded character came from. */
export interface FoldedText {
  /** The whole text folded (see {@link foldForMatching}). */
  folded: string;
  /** The graphemes of the original text, in order, as [start, end) offsets into it. */
  graphemes: Array<{ start: number; end: number }>;
  /** For each UTF-16 index of `folded`, the index of the grapheme it came from. */
  owner: number[];
}

// Zero-width spaces, soft hyphens, joiners and variation selectors are invisible: "敏\u200b感" reads as "敏感".
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;
// Created on first use: ICU's segmentation data costs a few MB, paid only where SENSITIVE_WORDS is set.
let segmenter: Intl.Segmenter | undefined;

/** NFKC-normalised (full-width Latin becomes ASCII), lower-cased and without invisible characters. */
export function foldForMatching(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(IGNORABLE, '');
}

/** Folds `text` grapheme by grapheme, so a match in the folded text maps back to whole original graphemes. */
export function foldWithOrigins(text: string): FoldedText {
  const graphemes: FoldedText['graphemes'] = [];
  const owner: number[] = [];
  let folded = '';
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  for (const { segment, index } of segmenter.segment(text)) {
    const piece = foldForMatching(segment);
    for (let i = 0; i < piece.length; i++) owner.push(graphemes.length);
    graphemes.push({ start: index, end: index + segment.length });
    folded += piece;
  }
  return { folded, graphemes, owner };
}
