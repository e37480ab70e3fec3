import OpenAI from 'openai';
import type { ReplyConfig } from '../../src/config/reply-config';
import type { CheckResult } from './check-result';

const NAME = 'chat API answers a one-token request';

/** Asks the configured model for one token with the reply function's key, base URL and model. */
export async function checkChatApi(
  config: Pick<ReplyConfig, 'openaiApiKey' | 'openaiBaseUrl' | 'openaiModel'>,
  timeoutMs = 20_000,
): Promise<CheckResult> {
  const client = new OpenAI({
    apiKey: config.openaiApiKey,
    baseURL: config.openaiBaseUrl,
    maxRetries: 0,
    timeout: timeoutMs,
  });
  const startedAt = performance.now();
  try {
    const completion = await client.chat.completions.create({
      model: config.openaiModel,
      messages: [{ role: 'user', content: 'ping' }],
      max_tokens: 1,
    });
    const ms = Math.round(performance.now() - startedAt);
    return {
      status: 'OK',
      name: NAME,
      detail: `${completion.model || config.openaiModel} answered in ${ms} ms`,
    };
  } catch (error) {
    return explainFailure(error, config, timeoutMs);
  }
}

function explainFailure(
  error: unknown,
  config: Pick<ReplyConfig, 'openaiApiKey' | 'openaiBaseUrl' | 'openaiModel'>,
  timeoutMs: number,
): CheckResult {
  const origin = new URL(config.openaiBaseUrl).origin;
  const fail = (detail: string): CheckResult => ({ status: 'FAIL', name: NAME, detail });
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return fail(
      `no answer from ${origin} within ${timeoutMs / 1000} s: the API is slow or unreachable (check OPENAI_BASE_URL and your network or proxy)`,
    );
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return fail(`could not connect to ${origin}: check OPENAI_BASE_URL and your network or proxy`);
  }
  if (!(error instanceof OpenAI.APIError)) return fail(`unexpected ${(error as Error).name ?? 'error'}`);
  const status = error.status ?? 0;
  const said = safeMessage(error.message, config.openaiApiKey);
  if (status === 401 || status === 403) return fail(`HTTP ${status}: check OPENAI_API_KEY`);
  if (status === 404) {
    return fail(
      `HTTP 404${said}: check OPENAI_MODEL (${config.openaiModel}) and OPENAI_BASE_URL (most APIs end in /v1)`,
    );
  }
  // Some models take only max_completion_tokens; the refusal still proves the key and the model are accepted.
  if (status === 400 && /max_tokens|max_completion_tokens/i.test(error.message)) {
    return {
      status: 'OK',
      name: NAME,
      detail: `${config.openaiModel} is reachable (it refused max_tokens=1)`,
    };
  }
  if (status === 429)
    return fail(`HTTP 429${said}: rate limited or out of quota: check the account's plan and balance`);
  return fail(`HTTP ${status}${said}: check OPENAI_MODEL and OPENAI_BASE_URL, then the provider's status`);
}

/** The API's own words, without URLs or anything key-like (some APIs echo part of a wrong key). */
function safeMessage(message: string, apiKey: string): string {
  const cleaned = message
    .split(apiKey)
    .join('[key]')
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, '[url]')
    .replace(/\b(sk|key|ak)-[\w*-]{6,}/gi, '[key]')
    .replace(/[\w*-]{24,}/g, '[redacted]')
    .replace(/^\d{3}\s*/, '')
    .slice(0, 160)
    .trim();
  return cleaned ? ` (${cleaned})` : '';
}
