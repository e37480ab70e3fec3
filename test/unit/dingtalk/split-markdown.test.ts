import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveMarkdownTitle } from '../../../src/dingtalk/derive-markdown-title';
import { measureJsonBytes, splitMarkdown } from '../../../src/dingtalk/split-markdown';

const FENCE = /^\s*(`{3,}|~{3,})/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Everything but whitespace and fence lines: what must survive splitting, in order, exactly once. */
function contentOf(text: string): string {
  return text
    .split('\n')
    .filter((line) => !FENCE.test(line))
    .join('')
    .replace(/\s+/g, '');
}

/** Whether every fence opened in the part is closed in it (a simple toggle, as the test inputs use). */
function fencesBalanced(part: string): boolean {
  let open: string | undefined;
  for (const line of part.split('\n')) {
    const marker = FENCE.exec(line)?.[1];
    if (marker === undefined) continue;
    if (open === undefined) open = marker;
    else if (marker[0] === open[0] && marker.length >= open.length && line.trim() === marker)
      open = undefined;
  }
  return open === undefined;
}

function expectWithinLimits(parts: string[], maxChars: number, maxBytes: number): void {
  for (const part of parts) {
    expect(part.length).toBeLessThanOrEqual(maxChars);
    expect(measureJsonBytes(part)).toBeLessThanOrEqual(maxBytes);
    expect(part).not.toMatch(LONE_SURROGATE);
    expect(fencesBalanced(part)).toBe(true);
  }
}

describe('splitMarkdown', () => {
  it('returns a short answer as one part, trimmed of surrounding blank lines', () => {
    expect(splitMarkdown('\n\n# 标题\n\n正文\r\n第二行\n\n')).toEqual(['# 标题\n\n正文\n第二行']);
  });

  it('returns no parts for an empty or blank answer', () => {
    expect(splitMarkdown('')).toEqual([]);
    expect(splitMarkdown(' \n\t\n')).toEqual([]);
  });

  it('splits at paragraph boundaries and keeps paragraphs whole', () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => `第${i}段。${'这是一句话。'.repeat(150)}`);
    const parts = splitMarkdown(paragraphs.join('\n\n'));

    expect(parts.length).toBeGreaterThan(1);
    expectWithinLimits(parts, 3500, 19_000);
    expect(parts.flatMap((part) => part.split('\n\n'))).toEqual(paragraphs);
  });

  it('keeps a heading with the text below it', () => {
    const section = (i: number) => `## 第${i}节\n\n${'内容。'.repeat(1000)}`;
    const parts = splitMarkdown([0, 1, 2].map(section).join('\n\n'));

    expect(parts).toEqual([0, 1, 2].map(section));
  });

  it('falls back to line boundaries inside one long paragraph', () => {
    const lines = Array.from({ length: 400 }, (_, i) => `- 列表项 ${i}：${'内容'.repeat(10)}`);
    const parts = splitMarkdown(lines.join('\n'), { maxChars: 1000 });

    expect(parts.length).toBeGreaterThan(3);
    expectWithinLimits(parts, 1000, 19_000);
    expect(parts.flatMap((part) => part.split('\n'))).toEqual(lines);
  });

  it('closes a split code block and reopens it with the same fence and info string', () => {
    const code = Array.from({ length: 300 }, (_, i) => `    print("line ${i}")  # 注释`);
    const text = `先看代码：\n\n\`\`\`python\ndef main():\n${code.join('\n')}\n\`\`\`\n\n结束。`;
    const parts = splitMarkdown(text, { maxChars: 2000 });

    expect(parts.length).toBeGreaterThan(3);
    expectWithinLimits(parts, 2000, 19_000);
    for (const part of parts.slice(1, -1)) {
      expect(part.startsWith('```python\n')).toBe(true);
      expect(part.endsWith('\n```')).toBe(true);
    }
    expect(contentOf(parts.join('\n'))).toBe(contentOf(text));
  });

  it('does not close a four-backtick fence on an inner ``` line', () => {
    const inner = Array.from({ length: 60 }, (_, i) => `\`\`\`js\nconsole.log(${i});\n\`\`\``);
    const text = `\`\`\`\`markdown\n${inner.join('\n')}\n\`\`\`\``;
    const parts = splitMarkdown(text, { maxChars: 500 });

    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) {
      expect(part.startsWith('````markdown\n')).toBe(true);
      expect(part.endsWith('\n````')).toBe(true);
    }
    expect(contentOf(parts.join('\n'))).toBe(contentOf(text));
  });

  it('closes a fence the answer left open', () => {
    const parts = splitMarkdown('代码：\n\n```sh\nnpm test');
    expect(parts).toEqual(['代码：\n\n```sh\nnpm test\n```']);
  });

  it('hard-splits a single enormous line without losing a character', () => {
    const line = 'x'.repeat(50_000);
    const parts = splitMarkdown(line);

    expect(parts.length).toBe(Math.ceil(50_000 / 3500));
    expectWithinLimits(parts, 3500, 19_000);
    expect(parts.join('')).toBe(line);
  });

  it('prefers a space or CJK punctuation when hard-splitting a long line', () => {
    const line = '这是一个很长的句子，没有换行。'.repeat(400);
    const parts = splitMarkdown(line);

    expect(parts.join('')).toBe(line);
    for (const part of parts.slice(0, -1)) expect(part.endsWith('。') || part.endsWith('，')).toBe(true);
  });

  it('never cuts a surrogate pair', () => {
    const line = `a${'😀'.repeat(5000)}`;
    const parts = splitMarkdown(line, { maxChars: 999 });

    expectWithinLimits(parts, 999, 19_000);
    expect(parts.join('')).toBe(line);
  });

  it('keeps each part within the JSON byte budget when escapes make bytes the binding limit', () => {
    // Control characters (e.g. terminal output pasted into an answer) take 6 bytes each once JSON-escaped.
    const line = '\u0007'.repeat(10_000);
    const parts = splitMarkdown(line, { maxBytes: 5000 });

    expect(parts.length).toBe(Math.ceil(10_000 / Math.floor(5000 / 6)));
    expectWithinLimits(parts, 3500, 5000);
    expect(parts.join('')).toBe(line);
  });

  it('hard-splits a long line inside a code block and keeps the fence around each piece', () => {
    const text = `\`\`\`json\n${'{"k":"v"},'.repeat(1000)}\n\`\`\``;
    const parts = splitMarkdown(text, { maxChars: 1200 });

    expect(parts.length).toBeGreaterThan(8);
    expectWithinLimits(parts, 1200, 19_000);
    for (const part of parts) expect(part).toMatch(/^```json\n[^\n]+\n```$/);
  });

  it('rejects limits too small to hold a fence', () => {
    expect(() => splitMarkdown('x', { maxChars: 10 })).toThrow(RangeError);
  });

  it('respects the limits, balances fences and loses nothing for any mix of blocks', () => {
    const block = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 300 }).map((s) => s.replace(/[`~]/g, '')),
      fc.constantFrom('中文段落，包含标点。'.repeat(40), 'word '.repeat(200), '😀👍🏽'.repeat(100)),
      fc
        .array(fc.string({ unit: 'grapheme-ascii', minLength: 5, maxLength: 120 }), {
          minLength: 5,
          maxLength: 120,
        })
        .map((lines) => `\`\`\`ts\n${lines.map((l) => l.replace(/[`~]/g, '')).join('\n')}\n\`\`\``),
      fc.integer({ min: 1, max: 9000 }).map((n) => 'y'.repeat(n)),
    );
    fc.assert(
      fc.property(
        fc.array(block, { maxLength: 12 }),
        fc.integer({ min: 200, max: 4000 }),
        (blocks, maxChars) => {
          const text = blocks.join('\n\n');
          const parts = splitMarkdown(text, { maxChars, maxBytes: maxChars * 3 });
          for (const part of parts) {
            expect(part.length).toBeLessThanOrEqual(maxChars);
            expect(measureJsonBytes(part)).toBeLessThanOrEqual(maxChars * 3);
            expect(part).not.toMatch(LONE_SURROGATE);
            expect(fencesBalanced(part)).toBe(true);
            // A part never ends with an opening fence followed only by the added closing one.
            expect(part.endsWith('```ts\n```')).toBe(false);
          }
          expect(contentOf(parts.join('\n'))).toBe(contentOf(text));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('deriveMarkdownTitle', () => {
  it.each([
    ['# 发布计划\n\n内容', '发布计划'],
    ['\n\n**重点**：明天上线', '重点：明天上线'],
    ['- [x] 完成 `build`', '完成 build'],
    ['> 引用 [链接](https://example.com) 文本', '引用 链接 文本'],
    ['```python\nprint("hi")\n```', 'print("hi")'],
    ['---\n\n| 列 | 值 |\n|---|---|', '列 值'],
    ['snake_case_name 与 _强调_', 'snake_case_name 与 强调'],
  ])('strips markdown syntax: %j → %j', (markdown, title) => {
    expect(deriveMarkdownTitle(markdown)).toBe(title);
  });

  it('cuts to 20 characters with an ellipsis, counting code points', () => {
    const title = deriveMarkdownTitle(`## ${'很长的标题'.repeat(10)}`);
    expect(title).toBe(`${'很长的标题'.repeat(4).slice(0, 19)}…`);
    expect(Array.from(deriveMarkdownTitle('😀'.repeat(30)))).toHaveLength(20);
  });

  it('falls back to a generic title when nothing readable is left', () => {
    expect(deriveMarkdownTitle('```\n```')).toBe('回复');
  });
});
