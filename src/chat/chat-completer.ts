import type OpenAI from 'openai';
import type { Clock, Logger } from '../ports';
import { ChatFailure } from './chat-failure';
import { classifyChatError } from './classify-chat-error';
import type { AzureSettings, ChatEndpoint } from './create-openai-client';
import { createOpenAIClient, describeHost } from './create-openai-client';
import { stripReasoning } from './strip-reasoning';
import { createThinkFilter } from './think-filter';

export type { AzureSettings, ChatEndpoint };

/** A piece of a user message for a vision model: text, or an image as a data: URL. */
export type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

/** What a user message says: text, or text and images in the order the user wrote them. */
export type ChatContent = string | ContentPart[];

export type ChatMessage =
  | { role: 'system' | 'assistant'; content: string }
  | { role: 'user'; content: ChatContent };

export interface ChatAnswer {
  text: string;
  model: string;
  usage?: { promptTokens: number; completionTokens: number };
  /** Host of the endpoint that answered (the primary's or a fallback's), for the log. */
  endpoint?: string;
  /** The answer passed maxAnswerChars and the stream was stopped there: `text` is longer than the limit. */
  truncated?: boolean;
}

export interface CompleteOptions {
  /** Stream the answer: called with the whole visible answer so far each time it grows (reasoning excluded). */
  onText?: (text: string) => void;
  /** Ask this model on the primary endpoint instead of the configured one (VISION_MODEL for pictures). */
  model?: string;
}

/** Sends a conversation to an OpenAI-compatible chat API and returns the answer text. */
export interface ChatCompleter {
  complete(messages: ChatMessage[], log: Logger, options?: CompleteOptions): Promise<ChatAnswer>;
}

export interface ChatCompleterOptions {
  apiKey: string;
  baseURL: string;
  model: string;
  /** Budget for the whole call, retries, fallbacks and streaming included, so the worst case fits in the function timeout. */
  timeoutMs: number;
  clock: Clock;
  /** A second attempt (or a fallback) is made only if at least this much of the budget is left (default: a quarter, at most 5 s). */
  minRetryBudgetMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Azure OpenAI as the primary instead of apiKey/baseURL/model (the deployment names the model). */
  azure?: AzureSettings;
  /** HTTPS_PROXY: every chat API request, fallbacks and streaming included, goes through it. */
  proxyUrl?: string;
  /** LLM_FALLBACKS: tried in order when the current endpoint fails with 5xx, 429, a timeout or no connection. */
  fallbacks?: ChatEndpoint[];
  /** MAX_ANSWER_CHARS: a streamed answer is stopped (the request aborted) once it is longer than this. */
  maxAnswerChars?: number;
  /** MAX_ANSWER_TOKENS: sent as the model's completion limit (max_tokens). */
  maxAnswerTokens?: number;
}

/** One endpoint of the chain, ready to call. */
interface Route {
  client: OpenAI;
  model: string;
  host: string;
}

const MAX_ATTEMPTS = 2;
const DEFAULT_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5000;

/**
 * Creates the completer once per instance; the SDK's own retries are off because the budget is managed here.
 * A failing endpoint (5xx, 429, timeout, unreachable) hands over to the next fallback at once, without the
 * backoff and second try a lone endpoint gets: the other endpoint fails independently, and waiting would eat
 * the budget it needs. Only the last endpoint of the chain is retried, so without fallbacks nothing changes.
 */
export function createChatCompleter(options: ChatCompleterOptions): ChatCompleter {
  const primary: Route = options.azure
    ? {
        client: createOpenAIClient(
          { kind: 'azure', azure: options.azure, deployment: options.azure.deployment },
          options.proxyUrl,
        ),
        model: options.azure.deployment,
        host: describeHost(options.azure.endpoint),
      }
    : createRoute(options, options.proxyUrl);
  const routes = [
    primary,
    ...(options.fallbacks ?? []).map((endpoint) => createRoute(endpoint, options.proxyUrl)),
  ];
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const minRetryBudgetMs = options.minRetryBudgetMs ?? Math.min(5000, options.timeoutMs / 4);
  const maxChars = options.maxAnswerChars ?? Number.POSITIVE_INFINITY;
  const limit = options.maxAnswerTokens === undefined ? {} : { max_tokens: options.maxAnswerTokens };

  async function requestOnce(
    route: Route,
    messages: ChatMessage[],
    remainingMs: number,
    firstResponseMs: number,
    onText?: (text: string) => void,
  ) {
    // One deadline for the whole answer: the SDK's timeout stops at the response headers, not the stream's end.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), remainingMs);
    const request = { timeout: firstResponseMs, maxRetries: 0, signal: deadline.signal };
    const { client, model } = route;
    try {
      if (!onText) {
        const completion = await client.chat.completions.create({ model, messages, ...limit }, request);
        const choice = completion.choices[0];
        return {
          text: stripReasoning(choice?.message?.content ?? ''),
          finish: choice?.finish_reason ?? 'none',
          model: completion.model,
          usage: completion.usage,
        };
      }
      const stream = await client.chat.completions.create(
        { model, messages, ...limit, stream: true, stream_options: { include_usage: true } },
        request,
      );
      const filter = createThinkFilter();
      let answeredBy = '';
      let finish = 'none';
      let usage: OpenAI.CompletionUsage | undefined;
      let truncated = false;
      for await (const chunk of stream) {
        answeredBy ||= chunk.model;
        usage = chunk.usage ?? usage;
        const choice = chunk.choices[0];
        if (choice?.finish_reason) finish = choice.finish_reason;
        // reasoning_content (DeepSeek, Qwen) is thinking, never the answer: it is not passed on.
        const delta = choice?.delta?.content;
        if (delta) {
          const before = filter.visible;
          const visible = filter.push(delta);
          if (visible !== before && visible.trim()) onText(visible.slice(0, maxChars));
          // Leaving the loop aborts the request: a runaway answer costs no more tokens or time.
          if (visible.length > maxChars) {
            truncated = true;
            break;
          }
        }
      }
      // An aborted stream may just end: without this check a cut-off answer would pass for a whole one.
      if (deadline.signal.aborted) throw new ChatFailure('timeout', 'no complete answer in time');
      return { text: filter.visible.trim(), finish, model: answeredBy, usage, truncated };
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
      let index = 0;
      let attemptsHere = 0;
      for (let attempt = 1; ; attempt += 1) {
        const configured = routes[index] as Route;
        // Pictures go to VISION_MODEL on the primary endpoint; fallbacks keep their own models.
        const route =
          index === 0 && completeOptions.model ? { ...configured, model: completeOptions.model } : configured;
        attemptsHere += 1;
        const remaining = deadline - options.clock();
        if (remaining <= 0) throw new ChatFailure('timeout', 'budget used up');
        // While fallbacks are left, this endpoint gets an equal share of the budget to start answering, so a
        // silent one cannot starve the rest; once a stream has started it may run to the overall deadline.
        const routesLeft = routes.length - index;
        const firstResponseMs = routesLeft > 1 ? Math.max(1, Math.floor(remaining / routesLeft)) : remaining;
        const started = options.clock();
        try {
          const result = await requestOnce(route, messages, remaining, firstResponseMs, onText);
          if (!result.text) throw new ChatFailure('empty', `finish_reason ${result.finish}`);
          const answer: ChatAnswer = {
            text: result.text,
            model: result.model || route.model,
            endpoint: route.host,
            ...('truncated' in result && result.truncated ? { truncated: true } : {}),
          };
          if (result.usage) {
            answer.usage = {
              promptTokens: result.usage.prompt_tokens,
              completionTokens: result.usage.completion_tokens,
            };
          }
          log.info(
            {
              attempt,
              endpoint: route.host,
              model: answer.model,
              fallback: index > 0,
              latencyMs: options.clock() - started,
              streamed: onText !== undefined,
              usage: answer.usage,
            },
            'chat API answered',
          );
          return answer;
        } catch (error) {
          const { failure, retryable, switchable, retryAfterMs } = classifyChatError(error);
          const next = routes[index + 1];
          const budgetLeft = deadline - options.clock();
          // Once part of the answer is on screen, another attempt would show a different answer: stop.
          const switching = switchable && !streamed && next !== undefined && budgetLeft >= minRetryBudgetMs;
          const backoff = Math.min(retryAfterMs ?? DEFAULT_BACKOFF_MS, MAX_BACKOFF_MS);
          const retry =
            next === undefined &&
            retryable &&
            !streamed &&
            attemptsHere < MAX_ATTEMPTS &&
            budgetLeft - backoff >= minRetryBudgetMs;
          log.warn(
            {
              attempt,
              endpoint: route.host,
              model: route.model,
              kind: failure.kind,
              status: failure.status,
              retry,
              latencyMs: options.clock() - started,
            },
            'chat API call failed',
          );
          if (switching) {
            log.warn(
              {
                from: { endpoint: route.host, model: route.model },
                to: { endpoint: next.host, model: next.model },
              },
              'switching to a fallback chat API',
            );
            index += 1;
            attemptsHere = 0;
            continue;
          }
          if (!retry) throw failure;
          await sleep(backoff);
        }
      }
    },
  };
}

function createRoute(endpoint: ChatEndpoint, proxyUrl: string | undefined): Route {
  return {
    client: createOpenAIClient(
      { kind: 'openai', baseURL: endpoint.baseURL, apiKey: endpoint.apiKey },
      proxyUrl,
    ),
    model: endpoint.model,
    host: describeHost(endpoint.baseURL),
  };
}
