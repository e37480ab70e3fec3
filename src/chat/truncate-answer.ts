import { cutCardText } from '../dingtalk/cut-card-text';

/** Ends every answer that MAX_ANSWER_CHARS cut short. */
export const TRUNCATION_NOTICE = '（回答过长，已截断）';
// Room for a code fence closed at the cut and the notice, so the whole stays within the limit.
const RESERVE_CHARS = TRUNCATION_NOTICE.length + 16;

/**
 * An answer of at most `maxChars` characters: unchanged when it fits, else cut at a paragraph or line boundary
 * near the limit (an open code block closed there) and ended with the notice.
 */
export function truncateAnswer(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = cutCardText(text, { maxChars: Math.max(1, maxChars - RESERVE_CHARS) });
  return `${cut.content.trimEnd()}\n\n${TRUNCATION_NOTICE}`;
}
