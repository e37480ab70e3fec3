import OpenAI from 'openai';
import { ChatFailure } from './chat-failure';

const CONTEXT_LENGTH_PATTERN = /context[_ ]length|maximum context|too many tokens|context window|max_tokens/i;

/** What went wrong, and what is worth doing about it. */
export interface ChatErrorVerdict {
  failure: ChatFailure;
  /** One more attempt at the same endpoint may succeed. */
  retryable: boolean;
  /** The endpoint itself is failing (5xx, 429, timeout, unreachable): another endpoint may answer. */
  switchable: boolean;
  retryAfterMs?: number;
}

/** Maps an openai SDK error to a ChatFailure, and says whether one more attempt is worth it. */
export function classifyChatError(error: unknown): ChatErrorVerdict {
  const verdict = classify(error);
  const kind = verdict.failure.kind;
  // Only the API's own answers (or silence) say the endpoint is unwell; an empty answer or a used-up budget do not.
  const switchable =
    error instanceof OpenAI.APIError &&
    (kind === 'timeout' || kind === 'unavailable' || kind === 'rate_limited');
  return { ...verdict, switchable };
}

function classify(error: unknown): Omit<ChatErrorVerdict, 'switchable'> {
  if (error instanceof ChatFailure) return { failure: error, retryable: false };
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return { failure: new ChatFailure('timeout', 'no answer in time'), retryable: false };
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return { failure: new ChatFailure('unavailable', 'connection failed'), retryable: true };
  }
  if (error instanceof OpenAI.APIError) {
    const status = error.status;
    const code = typeof error.code === 'string' ? error.code : '';
    const detail = `HTTP ${status ?? '?'}${code ? ` ${code}` : ''}`;
    if (status === 429) {
      return {
        failure: new ChatFailure('rate_limited', detail, status),
        retryable: true,
        ...retryAfter(error),
      };
    }
    if (status === 401 || status === 403)
      return { failure: new ChatFailure('auth', detail, status), retryable: false };
    if (status === 408) return { failure: new ChatFailure('timeout', detail, status), retryable: true };
    if (status !== undefined && status >= 500) {
      return { failure: new ChatFailure('unavailable', detail, status), retryable: true };
    }
    if (code === 'context_length_exceeded' || CONTEXT_LENGTH_PATTERN.test(error.message)) {
      return { failure: new ChatFailure('context_too_long', detail, status), retryable: false };
    }
    return { failure: new ChatFailure('rejected', detail, status), retryable: false };
  }
  return { failure: new ChatFailure('unavailable', 'unexpected client error'), retryable: false };
}

function retryAfter(error: InstanceType<typeof OpenAI.APIError>): { retryAfterMs?: number } {
  const milliseconds = error.headers?.get('retry-after-ms');
  if (milliseconds && Number.isFinite(Number(milliseconds)))
    return { retryAfterMs: Math.max(0, Number(milliseconds)) };
  const seconds = error.headers?.get('retry-after');
  if (seconds && Number.isFinite(Number(seconds)))
    return { retryAfterMs: Math.max(0, Number(seconds) * 1000) };
  return {};
}
