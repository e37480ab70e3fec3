import {
  BUILT_IN_CARD_TEMPLATE,
  BUILT_IN_CONTENT_KEY,
  DEFAULT_CUSTOM_CONTENT_KEY,
} from '../dingtalk/card-template';
import type { ChatMode } from '../ports';
import { ConfigError } from './config-error';
import { DEFAULT_WEBHOOK_ORIGINS } from './conversation-config';
import { FieldReader } from './fields';
import type { LogLevel } from './log-level';
import { readLogLevel } from './log-level';
import type { PolicyConfig } from './policy-config';
import { readPolicy } from './policy-config';
import type { ProviderConfig } from './provider-config';
import { readProvider } from './provider-config';
import type { Env } from './read-env';
import { readEnv } from './read-env';

/** DINGTALK_CARD_TEMPLATE_ID=off: answers go out as markdown even with an app key. */
export const CARDS_OFF = 'off';

/** Every variable the reply function reads, legacy names included (docs and s.yaml are checked against it). */
export const REPLY_ENV_NAMES = [
  'OPENAI_API_KEY',
  'CHATGPT_API_KEY',
  'USER_API_KEY',
  'OPENAI_BASE_URL',
  'ENDPOINT',
  'OPENAI_MODEL',
  'SYSTEM_PROMPT',
  'HISTORY_DIR',
  'OSS_MOUNT_POINT',
  'HISTORY_VOLUME_LATENCY_MS',
  'HISTORY_LENGTH',
  'LLM_TIMEOUT',
  'TIMEOUT',
  'DINGTALK_WEBHOOK_ORIGINS',
  'DINGTALK_APP_KEY',
  'DINGTALK_APP_SECRET',
  'DINGTALK_API_BASE',
  'LOG_LEVEL',
  'VERBOSE',
  'DEFAULT_MODE',
  'CONTEXT_SCOPE',
  'MAX_CONTEXT_TOKENS',
  'MAX_ANSWER_CHARS',
  'MAX_ANSWER_TOKENS',
  'VISION_MODEL',
  'IMAGE_PROMPT',
  'MAX_IMAGE_BYTES',
  'MAX_FILE_BYTES',
  'MAX_FILE_CHARS',
  'HELP_TEXT',
  'PROMPTS_FILE',
  'DINGTALK_CARD_TEMPLATE_ID',
  'DINGTALK_CARD_CONTENT_KEY',
  'CARD_UPDATE_MS',
  'ALLOW_USERS',
  'DENY_USERS',
  'ALLOW_GROUPS',
  'CHAT_TYPE',
  'ADMIN_USERS',
  'VIP_USERS',
  'MAX_REQUESTS_PER_DAY',
  'TIMEZONE',
  'SENSITIVE_WORDS',
  'MODERATION',
  'MODERATION_FAIL',
  'MODERATION_ENDPOINT',
  'AZURE_OPENAI_ENDPOINT',
  'AZURE_OPENAI_API_KEY',
  'AZURE_OPENAI_DEPLOYMENT',
  'AZURE_OPENAI_API_VERSION',
  'HTTPS_PROXY',
  'https_proxy',
  'LLM_FALLBACKS',
  'IMAGE_MODEL',
  'DINGTALK_OAPI_BASE',
] as const;

/** A DingTalk app (robot) whose credentials allow OpenAPI sends; its appKey is the callback's robotCode. */
export interface DingTalkAppCredentials {
  appKey: string;
  appSecret: string;
}

/** How pictures and files are read. */
export interface MediaConfig {
  /** The model asked about pictures (VISION_MODEL); default OPENAI_MODEL. */
  visionModel: string;
  /** Sent with a picture that comes without a question. */
  imagePrompt: string;
  maxImageBytes: number;
  maxFileBytes: number;
  /** Extracted file text beyond this is cut (and the answer says so). */
  maxFileChars: number;
}

/** What a lone picture asks when IMAGE_PROMPT is not set. */
export const DEFAULT_IMAGE_PROMPT =
  '请描述这张图片的内容；如果图中有文字，请一并识别出来，并告诉我你可以帮我做什么。';

/** Settings of the reply (async event) function. */
export interface ReplyConfig {
  openaiApiKey: string;
  openaiBaseUrl: string;
  openaiModel: string;
  systemPrompt: string | undefined;
  historyDir: string;
  /** Diagnostic only: every history-volume operation waits this long first (a stand-in for OSS latency). */
  historyVolumeLatencyMs: number;
  /** Earlier question/answer pairs sent with a question; 0 = no memory. */
  historyLength: number;
  /** Total time allowed for the chat API, retries included. */
  llmTimeoutMs: number;
  webhookOrigins: string[];
  dingtalkApps: DingTalkAppCredentials[];
  dingtalkApiBase: string;
  logLevel: LogLevel;
  /** The mode of senders who never chose one: 串聊 keeps context, as the old connector did. */
  defaultMode: ChatMode;
  /** user: each sender has their own context, also in groups; conversation: a group shares one context. */
  contextScope: 'user' | 'conversation';
  /** Trim the oldest turns so a request fits; undefined = no token trimming. */
  maxContextTokens: number | undefined;
  /** Longer answers are stopped, cut at a safe point and marked as cut; this bounds posts, cards and storage. */
  maxAnswerChars: number;
  /** Sent to the model as its completion limit (max_tokens); undefined = the model's own limit. */
  maxAnswerTokens: number | undefined;
  /** Replaces the built-in help (markdown); a literal \n in the variable is a line break. */
  helpText: string | undefined;
  /** JSON or YAML list of prompt templates, laid over the built-in ones. */
  promptsFile: string | undefined;
  /** AI-card streaming: on by default with an app key (the built-in template), off with DINGTALK_CARD_TEMPLATE_ID=off. */
  card: { templateId: string; contentKey: string; updateIntervalMs: number } | undefined;
  /** Pictures, voice and files: the vision model and the download and extraction limits. */
  media: MediaConfig;
  /** Access control, daily quotas and moderation. */
  policy: PolicyConfig;
  /** Azure, proxy, fallbacks and image generation. */
  provider: ProviderConfig;
}

/** Parses the reply function's environment; throws ConfigError listing every problem by variable name. */
export function loadReplyConfig(env: Env): ReplyConfig {
  const read = new FieldReader(env);
  const problems = read.problems;
  const config: ReplyConfig = {
    openaiApiKey: readApiKey(env, problems),
    openaiBaseUrl: readBaseUrl(read),
    openaiModel: read.string(['OPENAI_MODEL'], 'gpt-4o-mini'),
    systemPrompt: read.optionalString(['SYSTEM_PROMPT']),
    historyDir: read.string(['HISTORY_DIR', 'OSS_MOUNT_POINT'], '/mnt/oss'),
    historyVolumeLatencyMs: read.number(
      ['HISTORY_VOLUME_LATENCY_MS'],
      0,
      { integer: true, min: 0, max: 10_000 },
      'a whole number of milliseconds from 0 to 10000',
    ),
    historyLength: read.number(
      ['HISTORY_LENGTH'],
      5,
      { integer: true, min: 0, max: 1000 },
      'a whole number from 0 to 1000',
    ),
    llmTimeoutMs:
      read.number(
        ['LLM_TIMEOUT', 'TIMEOUT'],
        55,
        { above: 0, max: 900 },
        'a number of seconds, at most 900',
      ) * 1000,
    webhookOrigins: read.origins(['DINGTALK_WEBHOOK_ORIGINS'], DEFAULT_WEBHOOK_ORIGINS),
    dingtalkApps: readApps(read, problems),
    dingtalkApiBase: read.url(['DINGTALK_API_BASE'], 'https://api.dingtalk.com').origin,
    logLevel: readLogLevel(env, problems),
    defaultMode: readMode(read.optionalString(['DEFAULT_MODE']), problems),
    contextScope: readScope(read.optionalString(['CONTEXT_SCOPE']), problems),
    maxContextTokens: readEnv(env, ['MAX_CONTEXT_TOKENS'])
      ? read.number(
          ['MAX_CONTEXT_TOKENS'],
          0,
          { integer: true, min: 256, max: 10_000_000 },
          'a whole number of tokens, at least 256',
        )
      : undefined,
    maxAnswerChars: read.number(
      ['MAX_ANSWER_CHARS'],
      20_000,
      { integer: true, min: 500, max: 200_000 },
      'a whole number of characters from 500 to 200000',
    ),
    maxAnswerTokens: readEnv(env, ['MAX_ANSWER_TOKENS'])
      ? read.number(
          ['MAX_ANSWER_TOKENS'],
          0,
          { integer: true, min: 1, max: 1_000_000 },
          'a whole number of tokens, at least 1',
        )
      : undefined,
    helpText: read.optionalString(['HELP_TEXT'])?.replace(/\\n/g, '\n'),
    promptsFile: read.optionalString(['PROMPTS_FILE']),
    card: readCard(read, problems),
    media: readMedia(read),
    policy: readPolicy(read, problems),
    provider: readProvider(read, env, problems),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The media settings (VISION_MODEL, IMAGE_PROMPT, MAX_IMAGE_BYTES, MAX_FILE_BYTES, MAX_FILE_CHARS). */
export function readMedia(read: FieldReader): MediaConfig {
  const megabytes = (names: string[], fallback: number) =>
    read.number(
      names,
      fallback,
      { integer: true, min: 1024, max: 100 * 1024 * 1024 },
      'a whole number of bytes from 1024 to 104857600',
    );
  return {
    visionModel: read.string(['VISION_MODEL'], read.string(['OPENAI_MODEL'], 'gpt-4o-mini')),
    imagePrompt: read.string(['IMAGE_PROMPT'], DEFAULT_IMAGE_PROMPT),
    maxImageBytes: megabytes(['MAX_IMAGE_BYTES'], 10 * 1024 * 1024),
    maxFileBytes: megabytes(['MAX_FILE_BYTES'], 20 * 1024 * 1024),
    maxFileChars: read.number(
      ['MAX_FILE_CHARS'],
      30_000,
      { integer: true, min: 1000, max: 1_000_000 },
      'a whole number of characters from 1000 to 1000000',
    ),
  };
}

/**
 * With an app key, answers stream into DingTalk's built-in AI card unless DINGTALK_CARD_TEMPLATE_ID names another
 * template or is `off`. DINGTALK_CARD_CONTENT_KEY applies to a custom template only: the built-in one's variable
 * is always msgContent (so a key left over from an older .env cannot break it).
 */
function readCard(read: FieldReader, problems: string[]): ReplyConfig['card'] {
  const setting = read.optionalString(['DINGTALK_CARD_TEMPLATE_ID']);
  const updateIntervalMs = read.number(
    ['CARD_UPDATE_MS'],
    500,
    { integer: true, min: 100, max: 10_000 },
    'a whole number of milliseconds from 100 to 10000',
  );
  if (setting?.toLowerCase() === CARDS_OFF) return undefined;
  const hasApp = read.list(['DINGTALK_APP_KEY']).length > 0;
  if (setting === undefined && !hasApp) return undefined;
  if (!hasApp) {
    problems.push(
      'DINGTALK_CARD_TEMPLATE_ID needs DINGTALK_APP_KEY and DINGTALK_APP_SECRET (cards are sent through the OpenAPI)',
    );
  }
  const templateId = setting ?? BUILT_IN_CARD_TEMPLATE;
  if (templateId === BUILT_IN_CARD_TEMPLATE)
    return { templateId, contentKey: BUILT_IN_CONTENT_KEY, updateIntervalMs };
  const contentKey = read.string(['DINGTALK_CARD_CONTENT_KEY'], DEFAULT_CUSTOM_CONTENT_KEY);
  if (!/^[\w.-]{1,128}$/.test(contentKey))
    problems.push('DINGTALK_CARD_CONTENT_KEY must be a card variable name');
  return { templateId, contentKey, updateIntervalMs };
}

const MODES: Readonly<Record<string, ChatMode>> = {
  单聊: 'single',
  single: 'single',
  串聊: 'chain',
  chain: 'chain',
};

function readMode(value: string | undefined, problems: string[]): ChatMode {
  if (value === undefined) return 'chain';
  const mode = MODES[value.toLowerCase()];
  if (!mode) problems.push('DEFAULT_MODE must be 单聊 or 串聊');
  return mode ?? 'chain';
}

function readScope(value: string | undefined, problems: string[]): 'user' | 'conversation' {
  if (value === undefined) return 'user';
  const scope = value.toLowerCase();
  if (scope === 'user' || scope === 'conversation') return scope;
  problems.push('CONTEXT_SCOPE must be user or conversation');
  return 'user';
}

/**
 * OPENAI_API_KEY, else the old connector's keys: it used USER_API_KEY when ENDPOINT (a relay) was set and
 * CHATGPT_API_KEY otherwise; either is accepted here, in that preference.
 */
function readApiKey(env: Env, problems: string[]): string {
  // Azure OpenAI has its own key (AZURE_OPENAI_API_KEY); the OpenAI-compatible one is then optional.
  const azure = readEnv(env, ['AZURE_OPENAI_ENDPOINT']) !== undefined;
  const relay = readEnv(env, ['ENDPOINT']) !== undefined;
  const names = relay
    ? ['OPENAI_API_KEY', 'USER_API_KEY', 'CHATGPT_API_KEY']
    : ['OPENAI_API_KEY', 'CHATGPT_API_KEY', 'USER_API_KEY'];
  const setting = readEnv(env, names);
  if (!setting) {
    if (!azure) problems.push('OPENAI_API_KEY (or CHATGPT_API_KEY, USER_API_KEY) is required');
    return '';
  }
  return setting.value;
}

/** OPENAI_BASE_URL as given; the legacy ENDPOINT was a bare API origin, so it gets /v1 when missing. */
function readBaseUrl(read: FieldReader): string {
  const url = read.url(['OPENAI_BASE_URL', 'ENDPOINT'], 'https://api.openai.com/v1', (parsed, name) => {
    if (name !== 'ENDPOINT') return parsed;
    const path = parsed.pathname.replace(/\/+$/, '');
    parsed.pathname = path.endsWith('/v1') ? path : `${path}/v1`;
    return parsed;
  });
  return url.toString().replace(/\/+$/, '');
}

/** DINGTALK_APP_KEY and DINGTALK_APP_SECRET are comma-separated lists paired by position. */
function readApps(read: FieldReader, problems: string[]): DingTalkAppCredentials[] {
  const keys = read.list(['DINGTALK_APP_KEY']);
  if (keys.length === 0) return [];
  const secrets = read.list(['DINGTALK_APP_SECRET']);
  if (secrets.length !== keys.length) {
    problems.push(
      'DINGTALK_APP_KEY and DINGTALK_APP_SECRET must list the same number of items, paired by position',
    );
    return [];
  }
  return keys.map((appKey, index) => ({ appKey, appSecret: secrets[index] ?? '' }));
}
