import { ConfigError } from './config-error';
import { FieldReader } from './fields';
import type { LogLevel } from './log-level';
import { readLogLevel } from './log-level';
import type { Env } from './read-env';

export const DEFAULT_WEBHOOK_ORIGINS = ['https://oapi.dingtalk.com'] as const;

/** Every variable the conversation function reads, legacy names included (docs and s.yaml are checked against it). */
export const CONVERSATION_ENV_NAMES = [
  'DINGTALK_APP_SECRET',
  'REPLY_FUNCTION_NAME',
  'CHATGPT_FUNCTION',
  'REPLY_SERVICE_NAME',
  'SERVICE_NAME',
  'REPLY_ENDPOINT',
  'ENDPOINT',
  'DINGTALK_WEBHOOK_ORIGINS',
  'LOG_LEVEL',
  'VERBOSE',
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
] as const;

/** Settings of the conversation (HTTP-triggered) function. */
export interface ConversationConfig {
  /** Any of these may have signed a callback (several robots on one endpoint, or a secret being rotated). */
  appSecrets: string[];
  replyFunctionName: string;
  /** Set → the reply function is an FC 2.0 service function. */
  replyServiceName: string | undefined;
  /** Unset → https://{accountId}.{region}-internal.fc.aliyuncs.com from the invocation context. */
  replyEndpoint: URL | undefined;
  webhookOrigins: string[];
  logLevel: LogLevel;
}

/** Parses the conversation function's environment; throws ConfigError listing every problem by variable name. */
export function loadConversationConfig(env: Env): ConversationConfig {
  const read = new FieldReader(env);
  const problems = read.problems;
  const config: ConversationConfig = {
    appSecrets: read.list(['DINGTALK_APP_SECRET']),
    replyFunctionName: read.string(['REPLY_FUNCTION_NAME', 'CHATGPT_FUNCTION'], 'dingtalk-reply'),
    replyServiceName: read.optionalString(['REPLY_SERVICE_NAME', 'SERVICE_NAME']),
    replyEndpoint: readEndpoint(read, problems),
    webhookOrigins: read.origins(['DINGTALK_WEBHOOK_ORIGINS'], DEFAULT_WEBHOOK_ORIGINS),
    logLevel: readLogLevel(env, problems),
  };
  if (config.appSecrets.length === 0) problems.push('DINGTALK_APP_SECRET is required');
  if (!/^[A-Za-z_][A-Za-z0-9_$-]*$/.test(config.replyFunctionName)) {
    problems.push('REPLY_FUNCTION_NAME (or CHATGPT_FUNCTION) must be a Function Compute function name');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** REPLY_ENDPOINT or the legacy ENDPOINT: a URL whose scheme is honoured, or a bare host meaning https. */
function readEndpoint(read: FieldReader, problems: string[]): URL | undefined {
  const raw = read.optionalString(['REPLY_ENDPOINT', 'ENDPOINT']);
  if (raw === undefined) return undefined;
  const name = read.optionalString(['REPLY_ENDPOINT']) !== undefined ? 'REPLY_ENDPOINT' : 'ENDPOINT';
  try {
    const url = new URL(raw.includes('://') ? raw : `https://${raw}`);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // reported below
  }
  problems.push(`${name} must be a host name or an http(s) URL of the Function Compute endpoint`);
  return undefined;
}

/** The invoke endpoint: the configured one, else the region-internal endpoint of the caller's own account. */
export function resolveReplyEndpoint(
  config: Pick<ConversationConfig, 'replyEndpoint'>,
  context: { accountId?: string | undefined; region?: string | undefined },
): URL {
  if (config.replyEndpoint) return config.replyEndpoint;
  if (!context.accountId || !context.region) {
    throw new ConfigError([
      'REPLY_ENDPOINT is required when the invocation context has no accountId and region (outside Function Compute)',
    ]);
  }
  return new URL(`https://${context.accountId}.${context.region}-internal.fc.aliyuncs.com`);
}
