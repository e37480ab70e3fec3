import type { ChatAnswer, ChatCompleter, ChatMessage } from '../chat/chat-completer';
import { ChatFailure } from '../chat/chat-failure';
import { fitContext } from '../chat/fit-context';
import { chatFailureNotice } from '../chat/notices';
import type { ReplyConfig } from '../config/reply-config';
import type { ChatMode, HistoryStore, Logger, StreamingAnswer, Turn } from '../ports';

/** What to post through the session webhook (unless a card already showed it), and the turn to store. */
export interface Reply {
  text: string;
  turn?: { question: string; answer: string };
  /** The user already has the whole reply in AI cards: nothing left to post. */
  deliveredByCard?: boolean;
}

export interface AskDeps {
  config: Pick<ReplyConfig, 'historyLength' | 'systemPrompt' | 'maxContextTokens'>;
  history: HistoryStore;
  chat: ChatCompleter;
  log: Logger;
  /** Starts an AI card for this answer, or undefined when cards are off or cannot reach this chat. */
  startCard?: () => Promise<StreamingAnswer | undefined>;
}

/**
 * Asks the model. In 串聊 the newest turns come along, trimmed to MAX_CONTEXT_TOKENS; if the model still
 * reports a context-length error, half of them are dropped for one more try before the user is told to 重置.
 * With AI cards the answer streams into a card as it is written; if the card cannot be used, the caller
 * posts the plain markdown answer instead.
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
  const card = await deps.startCard?.();
  const opened = card?.open();
  const complete = (messages: ChatMessage[]): Promise<ChatAnswer> =>
    deps.chat.complete(messages, log, card ? { onText: (text) => card.update(text) } : {});

  let kept = turns;
  for (let attempt = 1; ; attempt += 1) {
    const fitted = fitContext(config.systemPrompt, kept, question, config.maxContextTokens);
    let answer: ChatAnswer;
    try {
      answer = await complete(fitted.messages);
    } catch (error) {
      if (!(error instanceof ChatFailure)) throw error;
      if (error.kind === 'context_too_long' && attempt === 1 && fitted.keptTurns > 0) {
        kept = newest(kept.slice(kept.length - fitted.keptTurns), Math.floor(fitted.keptTurns / 2));
        log.warn({ keptTurns: kept.length }, 'context too long for the model; retrying with fewer turns');
        continue;
      }
      const notice = chatFailureNotice(error.kind);
      if (card && (await opened)) {
        const shown = await card.fail(notice);
        log.info({ openApiCalls: card.calls, delivered: shown.delivered }, 'card ended with an error notice');
        return shown.delivered ? { text: notice, deliveredByCard: true } : { text: notice };
      }
      return { text: notice };
    }
    log.info(
      {
        mode,
        historyTurns: fitted.keptTurns,
        trimmedTurns: turns.length - fitted.keptTurns,
        model: answer.model,
      },
      'answer ready',
    );
    const turn = remember ? { question, answer: answer.text } : undefined;
    const reply: Reply = turn ? { text: answer.text, turn } : { text: answer.text };
    if (!card || !(await opened)) return reply;
    const shown = await card.finish(answer.text);
    log.info({ openApiCalls: card.calls, delivered: shown.delivered }, 'card answer finished');
    if (shown.delivered) return { ...reply, deliveredByCard: true };
    // The cards broke part-way: the rest goes out as markdown, so nothing is lost and nothing shown twice.
    const rest = answer.text.slice(shown.deliveredChars);
    return rest.trim() ? { ...reply, text: rest } : { ...reply, deliveredByCard: true };
  }
}

function newest(turns: readonly Turn[], count: number): Turn[] {
  return count > 0 ? turns.slice(turns.length - count) : [];
}
