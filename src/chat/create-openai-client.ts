import OpenAI, { AzureOpenAI } from 'openai';
import { createNodeHttpFetch } from './node-http-fetch';

// One for every client of the instance, so they share kept-alive sockets.
const nodeHttpFetch = createNodeHttpFetch();

/** One OpenAI-compatible chat API (an LLM_FALLBACKS entry, or the primary OPENAI_* settings). */
export interface ChatEndpoint {
  baseURL: string;
  apiKey: string;
  model: string;
}

/** Azure OpenAI: requests go to {endpoint}/openai/deployments/{deployment}/…?api-version=… with an api-key header. */
export interface AzureSettings {
  endpoint: string;
  apiKey: string;
  deployment: string;
  apiVersion: string;
}

/** Where one client sends its requests. */
export type ProviderTarget =
  | { kind: 'openai'; baseURL: string; apiKey: string }
  | { kind: 'azure'; azure: AzureSettings; deployment: string };

/**
 * Builds an openai SDK client (or its Azure variant) with the SDK's retries off, since callers manage their
 * own budget. Requests go over node:http(s) (less CPU than the built-in fetch), or with `proxyUrl` through that
 * HTTP(S) proxy, streaming included.
 */
export function createOpenAIClient(target: ProviderTarget, proxyUrl?: string): OpenAI {
  const common = { maxRetries: 0, fetch: proxyUrl ? createProxiedFetch(proxyUrl) : nodeHttpFetch };
  if (target.kind === 'openai')
    return new OpenAI({ apiKey: target.apiKey, baseURL: target.baseURL, ...common });
  return new AzureOpenAI({
    // baseURL rather than `endpoint`: the SDK would otherwise take OPENAI_BASE_URL from the environment and
    // refuse the pair as "mutually exclusive".
    baseURL: `${target.azure.endpoint.replace(/\/+$/, '')}/openai`,
    apiKey: target.azure.apiKey,
    apiVersion: target.azure.apiVersion,
    deployment: target.deployment,
    ...common,
  });
}

/** The host (and port) of a base URL, for log lines: never its path or query, which might carry a key. */
export function describeHost(url: string): string {
  try {
    return new URL(url).host || 'unknown-host';
  } catch {
    return 'invalid-url';
  }
}

/** A fetch that sends every request through the proxy, with undici loaded on the first request only. */
function createProxiedFetch(
  proxyUrl: string,
): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  let parsed: URL;
  try {
    parsed = new URL(proxyUrl);
  } catch {
    // The value may hold proxy credentials: it stays out of the message.
    throw new Error('HTTPS_PROXY is not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new Error('HTTPS_PROXY must be an http:// or https:// URL');
  // Typed loosely: undici's own types and Node's copy of them (undici-types) are nominally different.
  let dispatcher: object | undefined;
  return async (input, init) => {
    // undici adds about 400 KB and ~40 ms to a cold start: only instances with a proxy load it. A lazy
    // `require` (not `import()`) so the build can ship it as a separate file beside the bundle.
    dispatcher ??= new (require('undici') as typeof import('undici')).ProxyAgent(proxyUrl);
    // Node 20's fetch is undici 6 inside, so an undici 6 dispatcher plugs straight into it.
    const options = { ...init, dispatcher } as RequestInit;
    return fetch(input, options);
  };
}
