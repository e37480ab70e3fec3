import { describe, expect, it } from 'vitest';
import { TRUNCATION_NOTICE, truncateAnswer } from '../../../src/chat/truncate-answer';

describe('truncateAnswer', () => {
  it('leaves an answer within the limit exactly as it is', () => {
    const text = `${'字'.repeat(999)}\n\n\`\`\`js\nx\n\`\`\``;
    expect(truncateAnswer(text, text.length)).toBe(text);
  });

  it('cuts at a paragraph boundary near the limit and ends with the notice, within the limit', () => {
    const paragraphs = Array.from({ length: 50 }, (_, i) => `第${i}段${'内容'.repeat(40)}`);
    const cut = truncateAnswer(paragraphs.join('\n\n'), 2000);
    expect(cut.length).toBeLessThanOrEqual(2000);
    expect(cut.endsWith(`\n\n${TRUNCATION_NOTICE}`)).toBe(true);
    const kept = cut.slice(0, -TRUNCATION_NOTICE.length).trimEnd();
    expect(paragraphs.join('\n\n').startsWith(kept)).toBe(true);
    expect(kept.endsWith('内容')).toBe(true); // a whole paragraph, not half of one
    expect(kept.length).toBeGreaterThan(1000);
  });

  it('closes a code block the cut falls into, so the notice is not shown as code', () => {
    const code = Array.from({ length: 400 }, (_, i) => `print(${i})`).join('\n');
    const cut = truncateAnswer(`说明\n\n\`\`\`python\n${code}\n\`\`\`\n\n结尾`, 1500);
    expect(cut.length).toBeLessThanOrEqual(1500);
    expect((cut.match(/^```/gm) ?? []).length).toBe(2);
    expect(cut).toMatch(/\n```\n\n（回答过长，已截断）$/);
  });

  it('never splits a surrogate pair, even in one endless line', () => {
    const cut = truncateAnswer('😀'.repeat(5000), 1000);
    expect(cut.length).toBeLessThanOrEqual(1000);
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});
