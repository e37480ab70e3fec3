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
