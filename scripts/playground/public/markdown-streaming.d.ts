/** The text with the inline markers its last line leaves open closed; text inside an open code fence as it is. */
export function settleStreamingMarkdown(markdown: string): string;
