import type { Turn } from '../ports';
import type { ChatContent, ChatMessage } from './chat-completer';

/** The chat request: optional system prompt, earlier turns oldest first, then the question. */
export function buildMessages(
  systemPrompt: string | undefined,
  turns: readonly Turn[],
  question: ChatContent,
): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (systemPrompt) messages.push({ role: 'system', content: systemPrompt });
  for (const turn of turns) {
    messages.push({ role: 'user', content: turn.question }, { role: 'assistant', content: turn.answer });
  }
  messages.push({ role: 'user', content: question });
  return messages;
}
