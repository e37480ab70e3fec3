import * as z from 'zod/mini';
import type { FieldReader } from './fields';
import type { Env } from './read-env';
import { readEnv } from './read-env';

/** Where the chat API is besides the primary OpenAI-compatible one, and how it is reached. */
export interface ProviderConfig {
  /** Azure OpenAI replaces the primary when AZURE_OPENAI_ENDPOINT is set. */
  azure: { endpoint: string; apiKey: string; deployment: string; apiVersion: string } | undefined;
  /** HTTPS_PROXY (or https_proxy): the chat API is reached through it. */
  proxyUrl: string | undefined;
  /** Tried in order when the primary fails with 5xx, 429 or a timeout. */
  fallbacks: Array<{ baseURL: string; apiKey: string; model: string }>;
  /** Model for #图片; undefined = image generation off. */
  imageModel: string | undefined;
  /** The legacy DingTalk host media uploads go to. */
  dingtalkOapiBase: string;
}

const fallbacksSchema = z.array(
  z.object({
    baseURL: z.url({ protocol: /^https?$/ }),
    apiKey: z.string().check(z.minLength(1)),
    model: z.string().check(z.minLength(1)),
  }),
);

/** AZURE_OPENAI_*, HTTPS_PROXY, LLM_FALLBACKS, IMAGE_MODEL, DINGTALK_OAPI_BASE. */
export function readProvider(read: FieldReader, env: Env, problems: string[]): ProviderConfig {
  return {
    azure: readAzure(read, problems),
    proxyUrl: readProxy(env, problems),
    fallbacks: readFallbacks(read, problems),
    imageModel: read.optionalString(['IMAGE_MODEL']),
    dingtalkOapiBase: read.url(['DINGTALK_OAPI_BASE'], 'https://oapi.dingtalk.com').origin,
  };
}

function readAzure(read: FieldReader, problems: string[]): ProviderConfig['azure'] {
  const endpoint = read.optionalString(['AZURE_OPENAI_ENDPOINT']);
  if (endpoint === undefined) return undefined;
  const apiKey = read.optionalString(['AZURE_OPENAI_API_KEY']);
  const deployment = read.optionalString(['AZURE_OPENAI_DEPLOYMENT']);
  if (!apiKey) problems.push('AZURE_OPENAI_API_KEY is required with AZURE_OPENAI_ENDPOINT');
  if (!deployment) problems.push('AZURE_OPENAI_DEPLOYMENT is required with AZURE_OPENAI_ENDPOINT');
  const url = read.url(['AZURE_OPENAI_ENDPOINT'], 'https://invalid.openai.azure.com');
  return {
    endpoint: url.origin,
    apiKey: apiKey ?? '',
    deployment: deployment ?? '',
    apiVersion: read.string(['AZURE_OPENAI_API_VERSION'], '2024-10-21'),
  };
}

function readProxy(env: Env, problems: string[]): string | undefined {
  const setting = readEnv(env, ['HTTPS_PROXY', 'https_proxy']);
  if (!setting) return undefined;
  try {
    const url = new URL(setting.value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString();
  } catch {
    // reported below
  }
  problems.push(`${setting.name} must be an http:// or https:// proxy URL`);
  return undefined;
}

/** The JSON holds API keys: a problem names the variable and the entry, never any value. */
function readFallbacks(read: FieldReader, problems: string[]): ProviderConfig['fallbacks'] {
  const raw = read.optionalString(['LLM_FALLBACKS']);
  if (raw === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    problems.push('LLM_FALLBACKS must be a JSON array of {"baseURL","apiKey","model"}');
    return [];
  }
  const result = fallbacksSchema.safeParse(parsed);
  if (!result.success) {
    const where = result.error.issues[0]?.path.join('.') ?? '';
    problems.push(
      `LLM_FALLBACKS must be a JSON array of {"baseURL","apiKey","model"} (problem at ${where || 'the top level'})`,
    );
    return [];
  }
  return result.data;
}
