import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CardLimits, closeOpenFence, cutCardText, fitsCard } from '../../../src/dingtalk/cut-card-text';

const FENCE = /^\s*(`{3,}|~{3,})/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Cuts `text` into cards the way the streamer does; returns each card's content and the answer text it holds. */
function cutAll(text: string, limits: CardLimits): Array<{ content: string; part: string }> {
  const cards: Array<{ content: string; part: string }> = [];
  let start = 0;
  let reopen = '';
  for (;;) {
    const body = reopen + text.slice(start);
    if (fitsCard(body, limits)) {
      cards.push({ content: body, part: text.slice(start) });
      return cards;
    }
    const cut = cutCardText(body, limits, reopen.length);
    expect(cut.content).toBe(body.slice(0, cut.consumed) + cut.close);
    cards.push({ content: cut.content, part: body.slice(reopen.length, cut.consumed) });
    start += cut.consumed - reopen.length;
    reopen = cut.reopen;
  }
}

/** The fence marker still open at the end of `text` (a simple toggle, as the test inputs use). */
function openFence(text: string): string | undefined {
  let open: string | undefined;
  for (const line of text.split('\n')) {
    const marker = FENCE.exec(line)?.[1];
    if (marker === undefined) continue;
    if (open === undefined) open = marker;
    else if (marker[0] === open[0] && marker.length >= open.length && line.trim() === marker)
      open = undefined;
  }
  return open;
}

function fencesBalanced(content: string): boolean {
  return openFence(content) === undefined;
}

function expectGoodCards(text: string, limits: CardLimits): Array<{ content: string; part: string }> {
  const cards = cutAll(text, limits);
  expect(cards.map((card) => card.part).join('')).toBe(text);
  for (const card of cards) {
    expect(card.content.length).toBeLessThanOrEqual(limits.maxChars);
    expect(Buffer.byteLength(card.content)).toBeLessThanOrEqual(limits.maxBytes ?? Infinity);
    expect(card.content).not.toMatch(LONE_SURROGATE);
    expect(fencesBalanced(card.content)).toBe(true);
    if (text !== '') expect(card.part).not.toBe('');
  }
  return cards;
}

describe('cutCardText', () => {
  it('cuts at the last paragraph boundary in the second half of the card', () => {
    const paragraphs = ['甲'.repeat(300), '乙'.repeat(300), '丙'.repeat(300), '丁'.repeat(300)];
    const body = paragraphs.join('\n\n');

    const cut = cutCardText(body, { maxChars: 1000 });

    expect(cut).toEqual({
      content: `${paragraphs.slice(0, 3).join('\n\n')}\n\n`,
      consumed: 906,
      close: '',
      reopen: '',
    });
  });

  it('prefers a paragraph boundary to a later line end, as long as it is in the second half', () => {
    const body = `${'a'.repeat(600)}\n\n${'b'.repeat(200)}\n${'c'.repeat(150)}\n${'d'.repeat(300)}`;

    expect(cutCardText(body, { maxChars: 1000 }).consumed).toBe(602);
    expect(cutCardText(body, { maxChars: 1500 }).consumed).toBe(954);
  });

  it('closes a code block open at the cut and reopens it with the same info string in the next card', () => {
    const code = Array.from({ length: 40 }, (_, i) => `  print(${i})  # line ${i}`).join('\n');
    const body = `intro\n\n  \`\`\`python title="demo.py"\n${code}\n  \`\`\`\n\nafter`;

    const cut = cutCardText(body, { maxChars: 400 });

    expect(cut.close).toBe('  ```');
    expect(cut.reopen).toBe('  ```python title="demo.py"\n');
    expect(cut.content.endsWith('\n  ```')).toBe(true);
    expect(fencesBalanced(cut.content)).toBe(true);
  });

  it('keeps only the language word of a very long info string when reopening', () => {
    const body = `~~~ts ${'x'.repeat(60)}\n${'const a = 1;\n'.repeat(100)}~~~`;

    expect(cutCardText(body, { maxChars: 500 }).reopen).toBe('~~~ts\n');
  });

  it('does not end a card with a fence that was just opened', () => {
    const body = `${'a'.repeat(500)}\n\n\`\`\`js\n${'x'.repeat(700)}\n\`\`\``;

    const cut = cutCardText(body, { maxChars: 1000 });

    expect(cut.content).toBe(`${'a'.repeat(500)}\n\n`);
    expect(cut.reopen).toBe('');
  });

  it('cuts inside a line that does not fit, after a space or punctuation, never inside a surrogate pair', () => {
    const words = `${'word '.repeat(150)}`;
    const emoji = '😀'.repeat(400);

    const wordCut = cutCardText(words, { maxChars: 303 });
    const emojiCut = cutCardText(emoji, { maxChars: 301 });

    expect(wordCut.content).toBe('word '.repeat(60));
    expect(emojiCut.content).toBe('😀'.repeat(150));
  });

  it('closes the block after a cut inside a long code line, on a line of its own', () => {
    const body = `\`\`\`\n${'x'.repeat(1000)}\n\`\`\``;

    const cut = cutCardText(body, { maxChars: 300 });

    expect(cut.content).toBe(`\`\`\`\n${'x'.repeat(292)}\n\`\`\``);
    expect(cut).toMatchObject({ consumed: 296, close: '\n```', reopen: '```\n' });
  });

  it('never leaves a card holding only the reopened fence line', () => {
    const body = `\`\`\`py\n${'y'.repeat(500)}`;

    const cut = cutCardText(body, { maxChars: 200 }, '```py\n'.length);

    expect(cut.consumed).toBeGreaterThan('```py\n'.length);
    expect(cut.content.length).toBeLessThanOrEqual(200);
  });

  it('respects a byte limit as well as the character limit', () => {
    const body = Array.from({ length: 30 }, () => '中'.repeat(40)).join('\n');

    const cut = cutCardText(body, { maxChars: 1000, maxBytes: 600 });

    expect(Buffer.byteLength(cut.content)).toBeLessThanOrEqual(600);
    expect(cut.content).toBe(`${Array.from({ length: 4 }, () => '中'.repeat(40)).join('\n')}\n`);
  });

  it('gives back exactly the text, in cards that fit and have balanced fences (property)', () => {
    const line = fc.oneof(
      fc.constant(''),
      fc.constant('```python'),
      fc.constant('```'),
      fc.constant('  ~~~~'),
      fc.constant('# 标题'),
      fc.string({ unit: fc.constantFrom('a', ' ', '中', '。', '😀', '\t'), maxLength: 400 }),
    );
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 60 }),
        fc.integer({ min: 200, max: 900 }),
        (lines, maxChars) => {
          // The model's own text closes its blocks; a cut must not be the reason a card's block stays open.
          const text = lines.join('\n');
          const marker = openFence(text);
          expectGoodCards(marker === undefined ? text : `${text}\n${marker}`, {
            maxChars,
            maxBytes: maxChars * 2,
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives back exactly a long answer with a code block spanning cards', () => {
    const code = Array.from({ length: 200 }, (_, i) => `    total += f(${i})  # 第${i}行`).join('\n');
    const text = [
      '# 标题',
      '说明。'.repeat(200),
      `\`\`\`python\ndef main():\n${code}\n\`\`\``,
      '结尾。'.repeat(300),
    ].join('\n\n');

    const cards = expectGoodCards(text, { maxChars: 2000 });

    expect(cards.length).toBeGreaterThanOrEqual(4);
    expect(cards.filter((card) => card.content.startsWith('```python\n')).length).toBeGreaterThanOrEqual(1);
  });
});

describe('closeOpenFence', () => {
  it('closes a code block left open, with the opening marker and indentation', () => {
    expect(closeOpenFence('看：\n\n  ````js\nconst a = 1;')).toBe('看：\n\n  ````js\nconst a = 1;\n  ````');
    expect(closeOpenFence('```\ncode\n')).toBe('```\ncode\n```');
  });

  it('leaves text without an open block as it is', () => {
    expect(closeOpenFence('```\ncode\n```\n\n正文')).toBe('```\ncode\n```\n\n正文');
    expect(closeOpenFence('inline ```code``` only')).toBe('inline ```code``` only');
  });
});
