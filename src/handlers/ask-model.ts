import type { ChatCompleter } from '../chat/chat-completer';
import { ChatFailure } from '../chat/chat-failure';
import { fitContext } from '../chat/fit-context';
import { chatFailureNotice } from '../chat/notices';
import type { ReplyConfig } from '../config/reply-config';
import type { ChatMode, HistoryStore, Logger, Turn } from '../ports';

/** What to post, and the turn to store once it has been delivered. */
export interface Reply {
  text: string;
  turn?: { question: string; answer: string };
}

export interface AskDeps {
  config: Pick<ReplyConfig, 'historyLength' | 'systemPrompt' | 'maxContextTokens'>;
  history: HistoryStore;
  chat: ChatCompleter;
  log: Logger;
}

/**
 * Asks the model. In 串聊 the newest turns come along, trimmed to MAX_CONTEXT_TOKENS; if the model still
 * reports a context-length error, half of them are dropped for one more try before the user is told to 重置.
 */
export async function askModel(
  question: string,
  mode: ChatMode,
  historyKey: string,
  deps: AskDeps,
): Promise<Reply> {
  const { log, config } = deps;
  const remember = mode === 'chain' && config.historyLength > 0;
  const turns = remember ? await deps.history.load(historyKey, config.historyLength) : [];
  log.debug({ question }, 'question');
  let kept = turns;
  for (let attempt = 1; ; attempt += 1) {
    const fitted = fitContext(config.systemPrompt, kept, question, config.maxContextTokens);
    try {
      const answer = await deps.chat.complete(fitted.messages, log);
      log.info(
        {
          mode,
          historyTurns: fitted.keptTurns,
          trimmedTurns: turns.length - fitted.keptTurns,
          model: answer.model,
        },
        'answer ready',
      );
      return remember
        ? { text: answer.text, turn: { question, answer: answer.text } }
        : { text: answer.text };
    } catch (error) {
      if (!(error instanceof ChatFailure)) throw error;
      if (error.kind === 'context_too_long' && attempt === 1 && fitted.keptTurns > 0) {
        kept = newest(kept.slice(kept.length - fitted.keptTurns), Math.floor(fitted.keptTurns / 2));
        log.warn({ keptTurns: kept.length }, 'context too long for the model; retrying with fewer turns');
        continue;
      }
      return { text: chatFailureNotice(error.kind) };
    }
  }
}

function newest(turns: readonly Turn[], count: number): Turn[] {
  return count > 0 ? turns.slice(turns.length - count) : [];
}
