import OpenAI from 'openai';
import type { Clock, Logger } from '../ports';
import { ChatFailure } from './chat-failure';
import { classifyChatError } from './classify-chat-error';
import { stripReasoning } from './strip-reasoning';
import { createThinkFilter } from './think-filter';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatAnswer {
  text: string;
  model: string;
  usage?: { promptTokens: number; completionTokens: number };
}

export interface CompleteOptions {
  /** Stream the answer: called with the whole visible answer so far each time it grows (reasoning excluded). */
  onText?: (text: string) => void;
}

/** Sends a conversation to an OpenAI-compatible chat API and returns the answer text. */
export interface ChatCompleter {
  complete(messages: ChatMessage[], log: Logger, options?: CompleteOptions): Promise<ChatAnswer>;
}

export interface ChatCompleterOptions {
  apiKey: string;
  baseURL: string;
  model: string;
  /** Budget for the whole call, retries and streaming included, so the worst case fits in the function timeout. */
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

  async function requestOnce(messages: ChatMessage[], remainingMs: number, onText?: (text: string) => void) {
    // One deadline for the whole answer: the SDK's timeout stops at the response headers, not the stream's end.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), remainingMs);
    const request = { timeout: remainingMs, maxRetries: 0, signal: deadline.signal };
    try {
      if (!onText) {
        const completion = await client.chat.completions.create({ model: options.model, messages }, request);
        const choice = completion.choices[0];
        return {
          text: stripReasoning(choice?.message?.content ?? ''),
          finish: choice?.finish_reason ?? 'none',
          model: completion.model,
          usage: completion.usage,
        };
      }
      const stream = await client.chat.completions.create(
        { model: options.model, messages, stream: true, stream_options: { include_usage: true } },
        request,
      );
      const filter = createThinkFilter();
      let model = '';
      let finish = 'none';
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) {
        model ||= chunk.model;
        usage = chunk.usage ?? usage;
        const choice = chunk.choices[0];
        if (choice?.finish_reason) finish = choice.finish_reason;
        // reasoning_content (DeepSeek, Qwen) is thinking, never the answer: it is not passed on.
        const delta = choice?.delta?.content;
        if (delta) {
          const before = filter.visible;
          const visible = filter.push(delta);
          if (visible !== before && visible.trim()) onText(visible);
        }
      }
      // An aborted stream may just end: without this check a cut-off answer would pass for a whole one.
      if (deadline.signal.aborted) throw new ChatFailure('timeout', 'no complete answer in time');
      return { text: filter.visible.trim(), finish, model, usage };
    } catch (error) {
      if (deadline.signal.aborted) throw new ChatFailure('timeout', 'no complete answer in time');
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async complete(messages, log, completeOptions = {}) {
      const deadline = options.clock() + options.timeoutMs;
      let streamed = false;
      const onText = completeOptions.onText
        ? (text: string) => {
            streamed = true;
            completeOptions.onText?.(text);
          }
        : undefined;
      for (let attempt = 1; ; attempt += 1) {
        const remaining = deadline - options.clock();
        if (remaining <= 0) throw new ChatFailure('timeout', 'budget used up');
        const started = options.clock();
        try {
          const result = await requestOnce(messages, remaining, onText);
          if (!result.text) throw new ChatFailure('empty', `finish_reason ${result.finish}`);
          const answer: ChatAnswer = { text: result.text, model: result.model || options.model };
          if (result.usage) {
            answer.usage = {
              promptTokens: result.usage.prompt_tokens,
              completionTokens: result.usage.completion_tokens,
            };
          }
          log.info(
            {
              attempt,
              latencyMs: options.clock() - started,
              streamed: onText !== undefined,
              usage: answer.usage,
            },
            'chat API answered',
          );
          return answer;
        } catch (error) {
          const { failure, retryable, retryAfterMs } = classifyChatError(error);
          const backoff = Math.min(retryAfterMs ?? DEFAULT_BACKOFF_MS, MAX_BACKOFF_MS);
          const budgetLeft = deadline - options.clock() - backoff;
          // Once part of the answer is on screen, a second attempt would show a different answer: stop.
          const retry = retryable && !streamed && attempt < MAX_ATTEMPTS && budgetLeft >= minRetryBudgetMs;
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
