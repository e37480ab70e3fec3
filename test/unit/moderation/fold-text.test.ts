import { describe, expect, it } from 'vitest';
import { extendFold, foldForMatching, foldWithOrigins } from '../../../src/moderation/fold-text';

describe('foldForMatching', () => {
  it('lower-cases and normalises width and compatibility forms', () => {
    expect(foldForMatching('BadWord ＢＡＤ ① ﬁ 𝐛')).toBe('badwordbad1fib');
  });

  it('drops invisible characters and combining marks, from precomposed letters too', () => {
    expect(foldForMatching('b\u200ba\u00add\u2060\ufeff')).toBe('bad');
    expect(foldForMatching('ba\u0301dwo\u0308rd bádwörd İ')).toBe('badwordbadwordi');
  });

  it('drops whitespace, punctuation and symbols between the letters', () => {
    expect(foldForMatching('b a\u00a0d\u3000w\no\r\nr\td')).toBe('badword');
    expect(foldForMatching('b.a,d-w_o*r~d|`x`$+=<>^★→©')).toBe('badwordx');
    expect(foldForMatching('敏，感。词「」、·…')).toBe('敏感词');
  });

  it('keeps letters, digits and emoji shown as pictures', () => {
    expect(foldForMatching('敏感词 1984 👍🏽 🇨🇳')).toBe('敏感词1984👍🏽🇨🇳');
  });

  it('folds Hangul syllables and the jamo they are made of alike', () => {
    expect(foldForMatching('한국')).toBe('한국'.normalize('NFD'));
    expect(foldForMatching('한국'.normalize('NFD'))).toBe(foldForMatching('한국'));
  });

  it('makes Cyrillic letters that look Latin Latin, small and capital', () => {
    expect(foldForMatching('авекмнорстухѕіјԁԛԝѡѵүһӏ')).toBe('abekmhopctyxsijdqwwvyhl');
    expect(foldForMatching('АВЕКМНОРСТУХЅІЈԀԚԜѠѴҮҺӀ')).toBe('abekmhopctyxsijdqwwvyhl');
  });

  it('makes Greek letters that look Latin Latin, by how each case looks', () => {
    expect(foldForMatching('αβγεζηικμνορτυχωϲϳ')).toBe('abyeznikuvoptuxwcj');
    expect(foldForMatching('ΑΒΕΖΗΙΚΜΝΟΡΤΥΧϹ')).toBe('abezhikmnoptyxc');
  });

  it('leaves other Cyrillic and Greek letters as they are, in one case', () => {
    expect(foldForMatching('МИР мир')).toBe('mиpmиp');
    expect(foldForMatching('ΛΟΓΟΣ λογος')).toBe('λoyoσλoyoσ');
  });

  it('makes Latin letters that pass for plain ones plain', () => {
    expect(foldForMatching('ɑɡıȷ')).toBe('agij');
  });

  it('folds a text the same in one piece as in any two', () => {
    const text = 'Ｂａ\u0301ｄ, ΟΣ wοrd\u200b 敏\u3000感';
    for (let cut = 0; cut <= text.length; cut++) {
      expect(foldForMatching(text.slice(0, cut)) + foldForMatching(text.slice(cut))).toBe(
        foldForMatching(text),
      );
    }
  });
});

describe('foldWithOrigins', () => {
  it('maps each folded character to the whole grapheme it came from', () => {
    const text = 'b.a\u0301 ﬁ👍🏽';
    const { folded, graphemes, owner } = foldWithOrigins(text);
    expect(folded).toBe('bafi👍🏽');
    expect(graphemes.map(({ start, end }) => text.slice(start, end))).toEqual([
      'b',
      '.',
      'a\u0301',
      ' ',
      'ﬁ',
      '👍🏽',
    ]);
    expect(owner).toEqual([0, 2, 4, 4, 5, 5, 5, 5]);
  });

  it('extends a fold as its text grows, a grapheme the new text continues included', () => {
    const text = 'b.a\u0301 ﬁ👍🏽敏\u200b感';
    for (let cut = 0; cut <= text.length; cut++) {
      const fold = foldWithOrigins(text.slice(0, cut));
      extendFold(fold, text);
      expect(fold).toEqual(foldWithOrigins(text));
    }
  });
});
