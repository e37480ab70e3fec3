import type { ChatContent, ChatMessage } from './chat-completer';

// Han, kana, Hangul and full-width forms: every tokenizer in use spends at least one token on each.
const WIDE =
  /[\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]|[\ud840-\ud87f][\udc00-\udfff]/g;
// Per-message framing (role, separators) in the chat formats, and the tokens that prime the reply.
const MESSAGE_OVERHEAD = 4;
const REPLY_PRIMING = 3;
// A picture costs a vision model from 85 (low detail) to about 1,100 tokens (a large high-detail one).
const IMAGE_TOKENS = 1100;

/**
 * A conservative token count: one per CJK character, one per three other characters (English averages about
 * four). Over-counting only trims a turn early; under-counting would make the request fail.
 */
export function estimateTokens(text: string): number {
  const wide = text.match(WIDE)?.length ?? 0;
  const rest = text.replace(WIDE, '').length;
  return wide + Math.ceil(rest / 3);
}

/** Estimated tokens of a whole chat request. */
export function estimateRequestTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce(
    (sum, message) => sum + MESSAGE_OVERHEAD + estimateContentTokens(message.content),
    REPLY_PRIMING,
  );
}

function estimateContentTokens(content: ChatContent): number {
  if (typeof content === 'string') return estimateTokens(content);
  return content.reduce(
    (sum, part) => sum + (part.type === 'text' ? estimateTokens(part.text) : IMAGE_TOKENS),
    0,
  );
}
