/** Reasoning models (DeepSeek-R1, QwQ, …) may put their thinking in a leading <think> block: never show it. */
export function stripReasoning(text: string): string {
  return text.replace(/^\s*<think>[\s\S]*?<\/think>\s*/i, '').trim();
}
