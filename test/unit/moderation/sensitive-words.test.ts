import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../../scripts/playground/public/markdown.js';
import {
  findSensitiveWord,
  maskSensitiveWords,
  SENSITIVE_MASK,
} from '../../../src/moderation/sensitive-words';

const M = SENSITIVE_MASK;

describe('findSensitiveWord', () => {
  it('matches case-insensitively and returns the word as configured', () => {
    expect(findSensitiveWord('Tell me about OPENAI please', ['OpenAI'])).toBe('OpenAI');
    expect(findSensitiveWord('Привет, МИР', ['мир'])).toBe('мир');
  });

  it('matches full-width Latin in the text and in the word list (NFKC)', () => {
    expect(findSensitiveWord('我想问 ＢａｄＷｏｒｄ 的事', ['badword'])).toBe('badword');
    expect(findSensitiveWord('I said badword', ['ｂａｄｗｏｒｄ'])).toBe('ｂａｄｗｏｒｄ');
  });

  it('sees through invisible characters slipped between the letters', () => {
    expect(findSensitiveWord('敏\u200b感\u00ad词', ['敏感词'])).toBe('敏感词');
  });

  it('returns the first configured word the text contains, not the first one in the text', () => {
    expect(findSensitiveWord('赌博和毒品', ['毒品', '赌博'])).toBe('毒品');
  });

  it('returns undefined when no word occurs, and never matches an empty word', () => {
    expect(findSensitiveWord('今天天气不错', ['赌博', '毒品'])).toBeUndefined();
    expect(findSensitiveWord('今天天气不错', ['', '  '])).toBeUndefined();
    expect(findSensitiveWord('今天天气不错', [])).toBeUndefined();
  });
});

// Each way of writing "badword" (or 敏感词) that a reader still reads as the word.
const DISGUISES: Array<{ form: string; text: string; masked: string }> = [
  {
    form: 'spaces between letters',
    text: 'say bad word now',
    masked: `say ${M.repeat(3)} ${M.repeat(4)} now`,
  },
  {
    form: 'punctuation between letters',
    text: 'say b.a.d.w.o.r.d!',
    masked: `say ${M}.${M}.${M}.${M}.${M}.${M}.${M}!`,
  },
  { form: 'no-break spaces', text: 'say bad\u00a0word', masked: `say ${M.repeat(3)}\u00a0${M.repeat(4)}` },
  { form: 'ideographic spaces', text: '说敏\u3000感\u3000词吧', masked: `说${M}\u3000${M}\u3000${M}吧` },
  {
    form: 'a line break',
    text: '敏感\n词\nbad\r\nword',
    masked: `${M}${M}\n${M}\n${M.repeat(3)}\r\n${M.repeat(4)}`,
  },
  { form: 'Cyrillic look-alikes', text: 'say b\u0430dw\u043er\u0501 ok', masked: `say ${M.repeat(7)} ok` },
  { form: 'Cyrillic capitals', text: 'say \u0412\u0410DWORD', masked: `say ${M.repeat(7)}` },
  { form: 'Greek look-alikes', text: 'say \u0392\u03b1dw\u03bfrd.', masked: `say ${M.repeat(7)}.` },
  { form: 'combining accents', text: 'say ba\u0301dwo\u0308rd', masked: `say ${M.repeat(7)}` },
  { form: 'precomposed accents', text: 'say bádwörd', masked: `say ${M.repeat(7)}` },
  {
    form: 'full width with full-width punctuation',
    text: 'ＢＡＤ．ＷＯＲＤ！',
    masked: `${M.repeat(3)}．${M.repeat(4)}！`,
  },
  {
    form: 'zero-width spaces and a space',
    text: 'b\u200ba\u200bd word',
    masked: `${M.repeat(5)} ${M.repeat(4)}`,
  },
];
const DISGUISED_WORDS = ['badword', '敏感词'];

describe('disguised sensitive words', () => {
  it.each(DISGUISES)('refuses a question with the word written with $form', ({ text }) => {
    expect(findSensitiveWord(text, DISGUISED_WORDS)).toBeDefined();
  });

  it.each(DISGUISES)('masks the word written with $form, and nothing else', ({ text, masked }) => {
    expect(maskSensitiveWords(text, DISGUISED_WORDS)).toBe(masked);
  });

  it('folds the configured words the same way as the text', () => {
    expect(findSensitiveWord('badword', ['Bad Word'])).toBe('Bad Word');
    expect(findSensitiveWord('b-a-d w-o-r-d', ['ＢＡＤ\u200bword'])).toBe('ＢＡＤ\u200bword');
    expect(findSensitiveWord('some text', ['...', ' '])).toBeUndefined();
  });

  it('keeps markdown around and inside a masked word working', () => {
    expect(maskSensitiveWords('**bad**word and *bad word*, `b_a_d_word`', ['badword'])).toBe(
      `**${M.repeat(3)}**${M.repeat(4)} and *${M.repeat(3)} ${M.repeat(4)}*, \`${M}_${M}_${M}_${M.repeat(4)}\``,
    );
  });

  it('leaves text without the word exactly as it was, punctuation, look-alikes and accents included', () => {
    const text = 'A bad idea, words: badminton… 敏捷，感谢。Ёж w\u043erld\u3000x\n**敏**';
    expect(maskSensitiveWords(text, DISGUISED_WORDS)).toBe(text);
  });

  it('masks exactly when it finds a word, grapheme for grapheme, never whitespace or punctuation', () => {
    const piece = fc.constantFrom(
      'b',
      'a',
      'd',
      'w',
      'o',
      'r',
      'x',
      ' ',
      '.',
      '\n',
      '\u200b',
      '\u0301',
      '敏',
      '感',
      '词',
      '，',
    );
    const graphemes = (text: string) => [...new Intl.Segmenter().segment(text)].map(({ segment }) => segment);
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const text = pieces.join('');
        const masked = maskSensitiveWords(text, DISGUISED_WORDS);
        expect(masked === text).toBe(findSensitiveWord(text, DISGUISED_WORDS) === undefined);
        const before = graphemes(text);
        const after = graphemes(masked);
        expect(after).toHaveLength(before.length);
        for (const [index, grapheme] of after.entries()) {
          if (grapheme === before[index]) continue;
          expect(grapheme).toBe(M);
          expect(before[index]).not.toMatch(/^[\s.，]/u);
        }
      }),
    );
  });
});

describe('maskSensitiveWords', () => {
  it('masks every occurrence, whatever its case, one mask per character', () => {
    expect(maskSensitiveWords('BadWord, badword and BADWORD!', ['badword'])).toBe(
      `${M.repeat(7)}, ${M.repeat(7)} and ${M.repeat(7)}!`,
    );
    expect(maskSensitiveWords('赌博不好，赌博害人', ['赌博'])).toBe(`${M}${M}不好，${M}${M}害人`);
  });

  it('masks a full-width occurrence character by character', () => {
    expect(maskSensitiveWords('别说ＢＡＤ了', ['bad'])).toBe(`别说${M}${M}${M}了`);
  });

  it('masks overlapping words and overlapping occurrences completely', () => {
    expect(maskSensitiveWords('xabcx', ['ab', 'bc'])).toBe(`x${M.repeat(3)}x`);
    expect(maskSensitiveWords('xabcx', ['bc', 'abc', 'ab'])).toBe(`x${M.repeat(3)}x`);
    expect(maskSensitiveWords('aaa', ['aa'])).toBe(M.repeat(3));
  });

  it('masks the invisible characters inside a match and keeps whitespace', () => {
    expect(maskSensitiveWords('敏\u200b感词', ['敏感词'])).toBe(M.repeat(4));
    expect(maskSensitiveWords('the bad word here', ['bad word'])).toBe(
      `the ${M.repeat(3)} ${M.repeat(4)} here`,
    );
  });

  it('masks whole graphemes, never half an emoji', () => {
    const masked = maskSensitiveWords('hi 👍🏽x there', ['👍🏽x']);
    expect(masked).toBe(`hi ${M}${M} there`);
    expect(masked).not.toMatch(/\p{Cs}/u); // no lone surrogate
  });

  it('returns the text unchanged when there is nothing to mask', () => {
    expect(maskSensitiveWords('今天天气不错', ['赌博'])).toBe('今天天气不错');
    expect(maskSensitiveWords('今天天气不错', ['', ' '])).toBe('今天天气不错');
  });

  it('uses a mask that is neither markdown syntax nor punctuation/symbol (which changes emphasis rules)', () => {
    expect(M).toHaveLength(1);
    expect(/[\p{P}\p{S}\s*_~`#|>[\]()!+-]/u.test(M)).toBe(false);
  });

  it('leaves the markdown structure intact', () => {
    const markdown = [
      '# 关于敏感词',
      '',
      '这是**敏感词**的例子，还有 *BadWord* 和 `badword`。',
      '',
      '| 列 | 值 |',
      '| --- | --- |',
      '| 敏感词 | [链接](https://example.com/badword) |',
      '',
      '- 第一项 BADWORD',
      '- 第二项',
      '',
      '```',
      'print("badword")',
      '```',
    ].join('\n');
    const words = ['敏感词', 'badword'];
    const tags = (text: string) => renderMarkdown(text).match(/<\/?[a-z0-9]+/g);
    const masked = maskSensitiveWords(markdown, words);

    expect(masked).not.toMatch(/敏感词|badword/i);
    expect(tags(masked)).toEqual(tags(markdown));
    expect(tags(masked)).toContain('<strong');
    // The same check catches the naive mask, so it would catch a bad one.
    expect(tags(markdown.replace(/badword/gi, '*******'))).not.toEqual(tags(markdown));
  });
});
