import { describeError } from '../describe-error';
import { maskSensitiveWords } from '../moderation/sensitive-words';
import type { Logger } from '../ports';
import type { ContentModeration } from './policy-deps';

/** What of an answer the user may see: while it streams, and once it is complete. */
export interface AnswerGate {
  /** The part of a growing answer that may be shown now (masked), or undefined to show nothing yet. */
  stream(text: string): string | undefined;
  /** The complete answer as it may be posted and stored; `blocked` when moderation replaced it with a notice. */
  release(text: string): Promise<{ text: string; blocked: boolean }>;
}

const NOTICES = {
  flagged: '🚫 抱歉，这个回答未通过内容安全审核，已被隐藏。',
  moderationDown: '抱歉，内容安全审核服务暂时不可用，回答无法发出，请稍后再试。',
} as const;

/**
 * Masks SENSITIVE_WORDS everywhere and runs content moderation on complete answers. With moderation on,
 * nothing streams: an answer must pass before anyone sees any of it.
 */
export function createAnswerGate(options: {
  sensitiveWords: readonly string[];
  moderation?: ContentModeration | undefined;
  failClosed: boolean;
  log: Logger;
}): AnswerGate {
  const { sensitiveWords, moderation, log } = options;
  return {
    stream(text) {
      if (moderation) return undefined;
      return sensitiveWords.length === 0
        ? text
        : maskSensitiveWords(withoutPartialWord(text, sensitiveWords), sensitiveWords);
    },
    async release(text) {
      const masked = sensitiveWords.length === 0 ? text : maskSensitiveWords(text, sensitiveWords);
      if (!moderation) return { text: masked, blocked: false };
      try {
        const risk = await moderation.check('answer', text);
        if (risk === 'high' || risk === 'medium') {
          log.info({ risk }, 'answer replaced: moderation');
          return { text: NOTICES.flagged, blocked: true };
        }
      } catch (error) {
        log.warn(
          { error: describeError(error), failClosed: options.failClosed },
          'moderation unavailable for the answer',
        );
        if (options.failClosed) return { text: NOTICES.moderationDown, blocked: true };
      }
      return { text: masked, blocked: false };
    },
  };
}

/**
 * Holds back a tail that could be the start of a sensitive word: once shown, a streamed card can only grow,
 * so a word must be complete (and masked) before any of it appears.
 */
function withoutPartialWord(text: string, words: readonly string[]): string {
  const lower = text.toLowerCase();
  let cut = text.length;
  for (const word of words) {
    const target = word.toLowerCase();
    for (let length = Math.min(target.length - 1, text.length); length > 0; length -= 1) {
      if (lower.endsWith(target.slice(0, length))) {
        cut = Math.min(cut, text.length - length);
        break;
      }
    }
  }
  return text.slice(0, cut);
}
