import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAnswerGate } from '../../../src/handlers/answer-gate';
import { foldForMatching } from '../../../src/moderation/fold-text';
import { SENSITIVE_MASK } from '../../../src/moderation/sensitive-words';
import { captureLogger } from '../../helpers/capture-logger';

const M = SENSITIVE_MASK;
const WORDS = ['badword', '敏感词'];

function createGate(words: readonly string[] = WORDS) {
  return createAnswerGate({ sensitiveWords: words, failClosed: true, log: captureLogger().log });
}

/** What a card shows while `text` streams in (a character at a time unless told), and the answer released. */
async function streamAnswer(text: string, pieces: readonly string[] = Array.from(text)) {
  const gate = createGate();
  const shown: string[] = [];
  let sofar = '';
  for (const piece of pieces) {
    sofar += piece;
    const now = gate.stream(sofar);
    if (now !== undefined) shown.push(now);
  }
  return { shown, released: (await gate.release(text)).text };
}

// Around each word only Chinese text, so a "b" or "敏" in the fold of what was shown can only be the word's.
const STREAMED: Array<{ form: string; text: string; released: string }> = [
  { form: 'spaces', text: '先说 bad word 再说', released: `先说 ${M.repeat(3)} ${M.repeat(4)} 再说` },
  {
    form: 'punctuation',
    text: '先说b.a.d.w.o.r.d再说',
    released: `先说${M}.${M}.${M}.${M}.${M}.${M}.${M}再说`,
  },
  {
    form: 'no-break spaces',
    text: '先说bad\u00a0word再说',
    released: `先说${M.repeat(3)}\u00a0${M.repeat(4)}再说`,
  },
  {
    form: 'ideographic spaces',
    text: '先说敏\u3000感\u3000词再说',
    released: `先说${M}\u3000${M}\u3000${M}再说`,
  },
  {
    form: 'line breaks',
    text: '先说\nbad\nword\n再说',
    released: `先说\n${M.repeat(3)}\n${M.repeat(4)}\n再说`,
  },
  { form: 'Cyrillic look-alikes', text: '先说b\u0430dw\u043erd再说', released: `先说${M.repeat(7)}再说` },
  { form: 'Greek look-alikes', text: '先说\u0392\u03b1dw\u03bfrd再说', released: `先说${M.repeat(7)}再说` },
  { form: 'combining accents', text: '先说ba\u0301dwo\u0308rd再说', released: `先说${M.repeat(7)}再说` },
  { form: 'full width', text: '先说ｂａｄｗｏｒｄ再说', released: `先说${M.repeat(7)}再说` },
  {
    form: 'zero-width spaces',
    text: '先说b\u200ba\u200bd\u200bword再说',
    released: `先说${M.repeat(10)}再说`,
  },
  { form: 'a zero-width space in Chinese', text: '先说敏\u200b感词再说', released: `先说${M.repeat(4)}再说` },
];

// Answers made of ordinary pieces and of the words written in any of the ways above, letter by letter.
const LETTER_FORMS: Record<string, string[]> = {
  b: ['b', 'B', 'ｂ', '\u0412', '\u0392'],
  a: ['a', 'A', 'ａ', '\u0430', '\u03b1', 'a\u0301', 'á'],
  d: ['d', 'D', 'ｄ', '\u0501'],
  o: ['o', 'ｏ', '\u043e', '\u03bf', 'ö'],
  敏: ['敏'],
  感: ['感'],
  词: ['词'],
};
const BETWEEN = ['', '', ' ', '.', '\n', '\u00a0', '\u3000', '\u200b', '**', '，'];
const disguisedWord = fc
  .constantFrom(...WORDS)
  .chain((word) =>
    fc.tuple(
      ...[...word].map((letter) =>
        fc.tuple(fc.constantFrom(...(LETTER_FORMS[letter] ?? [letter])), fc.constantFrom(...BETWEEN)),
      ),
    ),
  );
const filler = fc.constantFrom(
  'b',
  'a',
  'wo',
  '敏',
  '感',
  'x',
  '好',
  ' ',
  '.',
  '\n',
  '\u200b',
  '\u0301',
  '👍',
  '🏽',
);
const answer = fc
  .array(
    fc.oneof(
      filler,
      disguisedWord.map((letters) => ({ word: letters.flat().join('') })),
    ),
    { maxLength: 8 },
  )
  .map((parts) => ({
    text: parts.map((part) => (typeof part === 'string' ? part : part.word)).join(''),
    words: parts.flatMap((part) => (typeof part === 'string' ? [] : [part.word])),
  }));

/** The text cut into pieces of the given sizes (in code points, the rest in one), as a stream delivers it. */
function cutIntoPieces(text: string, sizes: readonly number[]): string[] {
  const chars = Array.from(text);
  const pieces: string[] = [];
  for (const size of sizes) {
    if (chars.length === 0) break;
    pieces.push(chars.splice(0, size).join(''));
  }
  if (chars.length > 0) pieces.push(chars.join(''));
  return pieces;
}

describe('answer gate: streaming with sensitive words', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each(STREAMED)('never shows the start of a word written with $form', async ({ text, released }) => {
    const answer = await streamAnswer(text);
    expect(answer.released).toBe(released);
    for (const shown of answer.shown) {
      expect(released.startsWith(shown)).toBe(true);
      expect(foldForMatching(shown)).not.toMatch(/b|敏/);
    }
    expect(answer.shown.at(-1)).toBe(released.slice(0, -1));
  });

  it('shows a text as soon as it cannot be the start of a word, holding back no more than it must', () => {
    const gate = createGate();
    expect(gate.stream('hello world   ')).toBe('hello world  ');
    expect(createGate().stream('说到 b . a  ')).toBe('说到 ');
    expect(createGate().stream('ｂａ\u200b')).toBe('');
    expect(createGate().stream('a bad idea')).toBe('a bad ide');
    expect(createGate().stream('说敏感词')).toBe(`说${M}${M}`);
    expect(createGate().stream('说敏感词。')).toBe(`说${M.repeat(3)}`);
  });

  it('waits for the other half of a surrogate pair, which may join the grapheme before it', () => {
    const gate = createGate();
    expect(gate.stream('先说a')).toBe('先说');
    expect(gate.stream('先说a\ud83c')).toBe('先说');
    expect(gate.stream('先说a🏽')).toBe('先说');
    expect(gate.stream('先说a🏽好')).toBe('先说a🏽');
  });

  it('starts over when the text is not a continuation (another endpoint answering)', () => {
    const gate = createGate();
    expect(gate.stream('先说 bad wo')).toBe('先说 ');
    expect(gate.stream('换个回答 badword 完')).toBe(`换个回答 ${M.repeat(7)} `);
  });

  it('shows the text as it is without words, and nothing while moderation has not passed it', () => {
    expect(createGate([]).stream('先说 bad wo')).toBe('先说 bad wo');
    const moderated = createAnswerGate({
      sensitiveWords: WORDS,
      moderation: { check: async () => 'none' },
      failClosed: true,
      log: captureLogger().log,
    });
    expect(moderated.stream('hello')).toBeUndefined();
  });

  it('only ever shows a beginning of the released answer, the same whatever came before', async () => {
    await fc.assert(
      fc.asyncProperty(answer, fc.array(fc.integer({ min: 1, max: 4 })), async ({ text, words }, sizes) => {
        const pieces = cutIntoPieces(text, sizes);
        const { shown, released } = await streamAnswer(text, pieces);
        for (const word of words) expect(released).not.toContain(word);
        let sofar = '';
        for (const [index, piece] of pieces.entries()) {
          sofar += piece;
          expect(released.startsWith(shown[index] ?? '')).toBe(true);
          expect(shown[index]).toBe(createGate().stream(sofar));
        }
      }),
    );
  });

  it('folds only the unsettled tail of a long answer on each call, not the whole answer again', () => {
    const segment = vi.spyOn(Intl.Segmenter.prototype, 'segment');
    const gate = createGate();
    const text = '这是一段很长的回答，包含 **粗体**、bad 和 word 这样的词。\n'.repeat(600);
    for (let end = 4; end <= text.length; end += 4) gate.stream(text.slice(0, end));
    const folded = segment.mock.calls.reduce((sum, [input]) => sum + input.length, 0);
    expect(folded).toBeLessThan(4 * text.length);
  });
});
