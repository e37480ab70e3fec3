import { describe, expect, it } from 'vitest';
import { chunkText } from '../../../src/moderation/chunk-text';

describe('chunkText', () => {
  it('keeps a short text whole', () => {
    expect(chunkText('短文本', 2000, 100)).toEqual(['短文本']);
    expect(chunkText('x'.repeat(2000), 2000, 100)).toEqual(['x'.repeat(2000)]);
  });

  it('cuts a long text into overlapping pieces that cover all of it', () => {
    const text = Array.from({ length: 4500 }, (_, i) => String.fromCharCode(0x4e00 + (i % 500))).join('');
    const chunks = chunkText(text, 2000, 100);
    expect(chunks.map((chunk) => chunk.length)).toEqual([2000, 2000, 700]);
    expect(chunks[1]).toBe(text.slice(1900, 3900));
    expect(chunks[2]).toBe(text.slice(3800));
  });

  it('puts a phrase that straddles a boundary whole into one piece', () => {
    const text = `${'a'.repeat(1995)}危险词语在这里${'b'.repeat(3000)}`;
    expect(chunkText(text, 2000, 100).some((chunk) => chunk.includes('危险词语在这里'))).toBe(true);
  });

  it('never splits a surrogate pair', () => {
    const text = '😀'.repeat(3000);
    const chunks = chunkText(text, 2001, 101);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(chunk).not.toMatch(/\p{Cs}/u); // no lone surrogate
      expect(chunk.length).toBeLessThanOrEqual(2001);
    }
    expect(chunks.at(-1)?.endsWith('😀')).toBe(true);
  });

  it('refuses limits that could not make progress', () => {
    expect(() => chunkText('x'.repeat(50), 4, 1)).toThrow(RangeError);
    expect(() => chunkText('x'.repeat(50), 10, 6)).toThrow(RangeError);
  });
});
