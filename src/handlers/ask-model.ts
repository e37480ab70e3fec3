import type { ChatAnswer, ChatCompleter, ChatMessage } from '../chat/chat-completer';
import { ChatFailure } from '../chat/chat-failure';
import { fitContext } from '../chat/fit-context';
import { chatFailureNotice } from '../chat/notices';
import { truncateAnswer } from '../chat/truncate-answer';
import type { ReplyConfig } from '../config/reply-config';
import { reopenFenceAfter } from '../dingtalk/cut-card-text';
import { MEDIA_NOTICES } from '../media/media-notices';
import type { PreparedQuestion } from '../media/prepare-question';
import type { ChatMode, HistoryStore, Logger, StreamingAnswer, Turn } from '../ports';
import { createAnswerGate } from './answer-gate';
import type { ContentModeration } from './policy-deps';

/** What to post through the session webhook (unless a card already showed it), and the turn to store. */
export interface Reply {
  text: string;
  turn?: { question: string; answer: string };
  /** The user already has the whole reply in AI cards: nothing left to post. */
  deliveredByCard?: boolean;
  /** Tokens the chat API reported for this answer (for #统计). */
  usage?: { promptTokens: number; completionTokens: number };
}

export interface AskDeps {
  config: Pick<
    ReplyConfig,
    'historyLength' | 'systemPrompt' | 'maxContextTokens' | 'maxAnswerChars' | 'policy'
  > & { media: Pick<ReplyConfig['media'], 'visionModel'> };
  /** Content moderation of complete answers (MODERATION=aliyun). */
  moderation?: ContentModeration | undefined;
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
  question: PreparedQuestion,
  mode: ChatMode,
  historyKey: string,
  deps: AskDeps,
): Promise<Reply> {
  const { log, config } = deps;
  const remember = mode === 'chain' && config.historyLength > 0;
  const turns = remember ? await deps.history.load(historyKey, config.historyLength) : [];
  log.debug({ question: question.logged }, 'question');
  const gate = createAnswerGate({
    sensitiveWords: config.policy.sensitiveWords,
    moderation: deps.moderation,
    failClosed: config.policy.moderation?.failClosed !== false,
    log,
  });
  const card = await deps.startCard?.();
  const opened = card?.open();
  const onText = (text: string): void => {
    const shown = gate.stream(text);
    if (shown) card?.update(shown);
  };
  const model = question.images > 0 ? { model: config.media.visionModel } : {};
  const complete = (messages: ChatMessage[]): Promise<ChatAnswer> =>
    deps.chat.complete(messages, log, card ? { onText, ...model } : model);

  let kept = turns;
  for (let attempt = 1; ; attempt += 1) {
    const fitted = fitContext(config.systemPrompt, kept, question.content, config.maxContextTokens);
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
      // A model without image input refuses the request outright: say which setting fixes that.
      const notice =
        question.images > 0 && error.kind === 'rejected'
          ? MEDIA_NOTICES.visionRefused
          : chatFailureNotice(error.kind);
      if (card && (await opened)) {
        const shown = await card.fail(notice);
        log.info({ openApiCalls: card.calls, delivered: shown.delivered }, 'card ended with an error notice');
        return shown.delivered ? { text: notice, deliveredByCard: true } : { text: notice };
      }
      return { text: notice };
    }
    // Cut once, here, so that what is posted, shown in cards and stored as context is the same bounded text.
    const bounded = truncateAnswer(answer.text, config.maxAnswerChars) + (question.note ?? '');
    log.info(
      {
        mode,
        historyTurns: fitted.keptTurns,
        trimmedTurns: turns.length - fitted.keptTurns,
        model: answer.model,
        ...(bounded === answer.text
          ? {}
          : { truncatedFrom: answer.text.length, stopped: answer.truncated === true }),
      },
      'answer ready',
    );
    const released = await gate.release(bounded);
    // A moderated-away answer is neither stored as context nor counted as an exchange.
    const turn =
      remember && !released.blocked ? { question: question.stored, answer: released.text } : undefined;
    const reply: Reply = {
      text: released.text,
      ...(turn ? { turn } : {}),
      ...(answer.usage && !released.blocked ? { usage: answer.usage } : {}),
    };
    if (!card || !(await opened)) return reply;
    const shown = await card.finish(released.text);
    log.info({ openApiCalls: card.calls, delivered: shown.delivered }, 'card answer finished');
    if (shown.delivered) return { ...reply, deliveredByCard: true };
    // The cards hold only part of it (a very long answer, or a card broke): the rest goes out as markdown, so
    // nothing is lost and nothing shown twice; a code block the last card closed is reopened.
    const shownPart = released.text.slice(0, shown.deliveredChars);
    const rest = reopenFenceAfter(shownPart) + released.text.slice(shown.deliveredChars);
    return rest.trim() ? { ...reply, text: rest } : { ...reply, deliveredByCard: true };
  }
}

function newest(turns: readonly Turn[], count: number): Turn[] {
  return count > 0 ? turns.slice(turns.length - count) : [];
}
