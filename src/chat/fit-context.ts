import type { Turn } from '../ports';
import { buildMessages } from './build-messages';
import type { ChatContent, ChatMessage } from './chat-completer';
import { estimateRequestTokens } from './estimate-tokens';

/** The request with the oldest turns dropped until it fits `maxTokens` (undefined = no limit). */
export function fitContext(
  systemPrompt: string | undefined,
  turns: readonly Turn[],
  question: ChatContent,
  maxTokens: number | undefined,
): { messages: ChatMessage[]; keptTurns: number } {
  let kept = turns.length;
  let messages = buildMessages(systemPrompt, turns, question);
  while (maxTokens !== undefined && kept > 0 && estimateRequestTokens(messages) > maxTokens) {
    kept -= 1;
    messages = buildMessages(systemPrompt, turns.slice(turns.length - kept), question);
  }
  return { messages, keptTurns: kept };
}
