import OpenAI from 'openai';
import type { Clock, Logger } from '../ports';
import { ChatFailure } from './chat-failure';
import { classifyChatError } from './classify-chat-error';
import { stripReasoning } from './strip-reasoning';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatAnswer {
  text: string;
  model: string;
  usage?: { promptTokens: number; completionTokens: number };
}

/** Sends a conversation to an OpenAI-compatible chat API and returns the answer text. */
export interface ChatCompleter {
  complete(messages: ChatMessage[], log: Logger): Promise<ChatAnswer>;
}

export interface ChatCompleterOptions {
  apiKey: string;
  baseURL: string;
  model: string;
  /** Budget for the whole call, retries included, so the worst case fits in the function timeout. */
  timeoutMs: number;
  clock: Clock;
  /** A second attempt is made only if at least this much of the budget is left (default: a quarter, at most 5 s). */
  minRetryBudgetMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const MAX_ATTEMPTS = 2;
const DEFAULT_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5000;

/** Creates the completer once per instance; the SDK's own retries are off because the budget is managed here. */
export function createChatCompleter(options: ChatCompleterOptions): ChatCompleter {
  const client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: 0 });
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const minRetryBudgetMs = options.minRetryBudgetMs ?? Math.min(5000, options.timeoutMs / 4);

  return {
    async complete(messages, log) {
      const deadline = options.clock() + options.timeoutMs;
      for (let attempt = 1; ; attempt += 1) {
        const remaining = deadline - options.clock();
        if (remaining <= 0) throw new ChatFailure('timeout', 'budget used up');
        const started = options.clock();
        try {
          const completion = await client.chat.completions.create(
            { model: options.model, messages },
            { timeout: remaining, maxRetries: 0 },
          );
          const choice = completion.choices[0];
          const text = stripReasoning(choice?.message?.content ?? '');
          if (!text) throw new ChatFailure('empty', `finish_reason ${choice?.finish_reason ?? 'none'}`);
          const answer: ChatAnswer = { text, model: completion.model || options.model };
          if (completion.usage) {
            answer.usage = {
              promptTokens: completion.usage.prompt_tokens,
              completionTokens: completion.usage.completion_tokens,
            };
          }
          log.info(
            { attempt, latencyMs: options.clock() - started, usage: answer.usage },
            'chat API answered',
          );
          return answer;
        } catch (error) {
          const { failure, retryable, retryAfterMs } = classifyChatError(error);
          const backoff = Math.min(retryAfterMs ?? DEFAULT_BACKOFF_MS, MAX_BACKOFF_MS);
          const budgetLeft = deadline - options.clock() - backoff;
          const retry = retryable && attempt < MAX_ATTEMPTS && budgetLeft >= minRetryBudgetMs;
          log.warn(
            {
              attempt,
              kind: failure.kind,
              status: failure.status,
              retry,
              latencyMs: options.clock() - started,
            },
            'chat API call failed',
          );
          if (!retry) throw failure;
          await sleep(backoff);
        }
      }
    },
  };
}
