import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error';
import { DEFAULT_IMAGE_PROMPT, loadReplyConfig } from '../../../src/config/reply-config';

const KEY = 'sk-very-secret-key';

function problemsOf(env: Record<string, string>): string {
  try {
    loadReplyConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadReplyConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadReplyConfig({ OPENAI_API_KEY: KEY })).toEqual({
      openaiApiKey: KEY,
      openaiBaseUrl: 'https://api.openai.com/v1',
      openaiModel: 'gpt-4o-mini',
      systemPrompt: undefined,
      historyDir: '/mnt/oss',
      historyVolumeLatencyMs: 0,
      historyLength: 5,
      llmTimeoutMs: 55_000,
      webhookOrigins: ['https://oapi.dingtalk.com'],
      dingtalkApps: [],
      dingtalkApiBase: 'https://api.dingtalk.com',
      logLevel: 'info',
      defaultMode: 'chain',
      contextScope: 'user',
      maxContextTokens: undefined,
      maxAnswerChars: 20_000,
      maxAnswerTokens: undefined,
      media: {
        visionModel: 'gpt-4o-mini',
        imagePrompt: DEFAULT_IMAGE_PROMPT,
        maxImageBytes: 10 * 1024 * 1024,
        maxFileBytes: 20 * 1024 * 1024,
        maxFileChars: 30_000,
      },
      helpText: undefined,
      promptsFile: undefined,
      card: undefined,
      policy: {
        allowUsers: [],
        denyUsers: [],
        allowGroups: [],
        chatType: 'all',
        adminUsers: [],
        vipUsers: [],
        maxRequestsPerDay: 0,
        timeZone: 'Asia/Shanghai',
        sensitiveWords: [],
        moderation: undefined,
      },
      provider: {
        azure: undefined,
        proxyUrl: undefined,
        fallbacks: [],
        imageModel: undefined,
        dingtalkOapiBase: 'https://oapi.dingtalk.com',
      },
    });
  });

  it('reads access control, quota and moderation settings', () => {
    expect(
      loadReplyConfig({
        OPENAI_API_KEY: KEY,
        ALLOW_USERS: 'a, b',
        DENY_USERS: 'c',
        ALLOW_GROUPS: 'cid1',
        CHAT_TYPE: 'Group',
        ADMIN_USERS: 'admin1',
        VIP_USERS: 'vip1,vip2',
        MAX_REQUESTS_PER_DAY: '20',
        TIMEZONE: 'Europe/Berlin',
        SENSITIVE_WORDS: '机密,Secret',
        MODERATION: 'aliyun',
        MODERATION_FAIL: 'open',
        MODERATION_ENDPOINT: 'http://127.0.0.1:9999',
      }).policy,
    ).toEqual({
      allowUsers: ['a', 'b'],
      denyUsers: ['c'],
      allowGroups: ['cid1'],
      chatType: 'group',
      adminUsers: ['admin1'],
      vipUsers: ['vip1', 'vip2'],
      maxRequestsPerDay: 20,
      timeZone: 'Europe/Berlin',
      sensitiveWords: ['机密', 'Secret'],
      moderation: { endpoint: 'http://127.0.0.1:9999', failClosed: false },
    });
    expect(loadReplyConfig({ OPENAI_API_KEY: KEY, MODERATION: 'aliyun' }).policy.moderation).toEqual({
      endpoint: 'https://green-cip.cn-shanghai.aliyuncs.com',
      failClosed: true,
    });
  });

  it('reads Azure, the proxy, fallbacks and the image model; Azure needs no OPENAI_API_KEY', () => {
    const config = loadReplyConfig({
      AZURE_OPENAI_ENDPOINT: 'https://my.openai.azure.com/',
      AZURE_OPENAI_API_KEY: 'azure-key',
      AZURE_OPENAI_DEPLOYMENT: 'gpt4o',
      HTTPS_PROXY: 'http://proxy.corp:3128',
      LLM_FALLBACKS: JSON.stringify([
        { baseURL: 'https://api.deepseek.com/v1', apiKey: 'sk-ds', model: 'deepseek-chat' },
      ]),
      IMAGE_MODEL: 'wanx-v1',
    });
    expect(config.provider).toEqual({
      azure: {
        endpoint: 'https://my.openai.azure.com',
        apiKey: 'azure-key',
        deployment: 'gpt4o',
        apiVersion: '2024-10-21',
      },
      proxyUrl: 'http://proxy.corp:3128/',
      fallbacks: [{ baseURL: 'https://api.deepseek.com/v1', apiKey: 'sk-ds', model: 'deepseek-chat' }],
      imageModel: 'wanx-v1',
      dingtalkOapiBase: 'https://oapi.dingtalk.com',
    });
    expect(loadReplyConfig({ OPENAI_API_KEY: KEY, https_proxy: 'http://lower:8080' }).provider.proxyUrl).toBe(
      'http://lower:8080/',
    );
  });

  it('checks TIMEZONE where days are counted (a daily limit or admins), by name only', () => {
    for (const counting of [{ MAX_REQUESTS_PER_DAY: '5' }, { ADMIN_USERS: 'boss' }]) {
      const message = problemsOf({ OPENAI_API_KEY: KEY, TIMEZONE: 'Mars/Olympus', ...counting });
      expect(message).toContain('TIMEZONE');
      expect(message).not.toContain('Mars');
    }
  });

  it('names LLM_FALLBACKS without echoing the keys inside it', () => {
    const message = problemsOf({
      OPENAI_API_KEY: KEY,
      LLM_FALLBACKS: '[{"baseURL":"ftp://x","apiKey":"sk-leak","model":"m"}]',
    });
    expect(message).toContain('LLM_FALLBACKS');
    expect(message).not.toContain('sk-leak');
    expect(
      problemsOf({ OPENAI_API_KEY: KEY, AZURE_OPENAI_ENDPOINT: 'https://x.openai.azure.com' }),
    ).toContain('AZURE_OPENAI_API_KEY is required');
  });

  it("streams into DingTalk's built-in AI card by default once an app key is set; off turns cards off", () => {
    const base = { OPENAI_API_KEY: KEY, DINGTALK_APP_KEY: 'dingkey', DINGTALK_APP_SECRET: 'secret' };
    expect(loadReplyConfig({ OPENAI_API_KEY: KEY }).card).toBeUndefined();
    expect(loadReplyConfig(base).card).toEqual({
      templateId: '382e4302-551d-4880-bf29-a30acfab2e71.schema',
      contentKey: 'msgContent',
      updateIntervalMs: 500,
    });
    // A key left over from an older .env does not break the built-in template: its variable is fixed.
    expect(loadReplyConfig({ ...base, DINGTALK_CARD_CONTENT_KEY: 'content' }).card?.contentKey).toBe(
      'msgContent',
    );
    expect(loadReplyConfig({ ...base, DINGTALK_CARD_TEMPLATE_ID: 'off' }).card).toBeUndefined();
    expect(loadReplyConfig({ ...base, DINGTALK_CARD_TEMPLATE_ID: 'OFF' }).card).toBeUndefined();
    expect(loadReplyConfig({ OPENAI_API_KEY: KEY, DINGTALK_CARD_TEMPLATE_ID: 'off' }).card).toBeUndefined();
  });

  it('keeps a custom template with DINGTALK_CARD_CONTENT_KEY (default content)', () => {
    const base = { OPENAI_API_KEY: KEY, DINGTALK_APP_KEY: 'dingkey', DINGTALK_APP_SECRET: 'secret' };
    expect(loadReplyConfig({ ...base, DINGTALK_CARD_TEMPLATE_ID: 'abc-123.schema' }).card).toEqual({
      templateId: 'abc-123.schema',
      contentKey: 'content',
      updateIntervalMs: 500,
    });
    expect(
      loadReplyConfig({
        ...base,
        DINGTALK_CARD_TEMPLATE_ID: 't.schema',
        DINGTALK_CARD_CONTENT_KEY: 'answer',
        CARD_UPDATE_MS: '800',
      }).card,
    ).toEqual({ templateId: 't.schema', contentKey: 'answer', updateIntervalMs: 800 });
    expect(problemsOf({ OPENAI_API_KEY: KEY, DINGTALK_CARD_TEMPLATE_ID: 't.schema' })).toContain(
      'needs DINGTALK_APP_KEY',
    );
    expect(
      problemsOf({ ...base, DINGTALK_CARD_TEMPLATE_ID: 't.schema', DINGTALK_CARD_CONTENT_KEY: 'a b' }),
    ).toContain('DINGTALK_CARD_CONTENT_KEY');
  });

  it('reads the conversation settings', () => {
    expect(
      loadReplyConfig({
        OPENAI_API_KEY: KEY,
        DEFAULT_MODE: '单聊',
        CONTEXT_SCOPE: 'Conversation',
        MAX_CONTEXT_TOKENS: '8000',
        MAX_ANSWER_CHARS: '5000',
        MAX_ANSWER_TOKENS: '2048',
        VISION_MODEL: 'qwen-vl-plus',
        IMAGE_PROMPT: '这是什么？',
        MAX_IMAGE_BYTES: '5242880',
        MAX_FILE_BYTES: '1048576',
        MAX_FILE_CHARS: '5000',
        HELP_TEXT: '第一行\\n第二行',
        PROMPTS_FILE: '/mnt/history/prompts.yml',
      }),
    ).toMatchObject({
      defaultMode: 'single',
      contextScope: 'conversation',
      maxContextTokens: 8000,
      maxAnswerChars: 5000,
      maxAnswerTokens: 2048,
      media: {
        visionModel: 'qwen-vl-plus',
        imagePrompt: '这是什么？',
        maxImageBytes: 5_242_880,
        maxFileBytes: 1_048_576,
        maxFileChars: 5000,
      },
      helpText: '第一行\n第二行',
      promptsFile: '/mnt/history/prompts.yml',
    });
    expect(loadReplyConfig({ OPENAI_API_KEY: KEY, DEFAULT_MODE: 'chain' }).defaultMode).toBe('chain');
  });

  it('requires an API key under any of its names', () => {
    expect(problemsOf({})).toContain('OPENAI_API_KEY (or CHATGPT_API_KEY, USER_API_KEY) is required');
    expect(loadReplyConfig({ CHATGPT_API_KEY: 'old' }).openaiApiKey).toBe('old');
    expect(loadReplyConfig({ USER_API_KEY: 'relay' }).openaiApiKey).toBe('relay');
  });

  it('follows the old connector: USER_API_KEY goes with a relay ENDPOINT, CHATGPT_API_KEY without', () => {
    expect(loadReplyConfig({ CHATGPT_API_KEY: 'official', USER_API_KEY: 'relay' }).openaiApiKey).toBe(
      'official',
    );
    expect(
      loadReplyConfig({
        CHATGPT_API_KEY: 'official',
        USER_API_KEY: 'relay',
        ENDPOINT: 'https://relay.example',
      }).openaiApiKey,
    ).toBe('relay');
    expect(
      loadReplyConfig({ OPENAI_API_KEY: 'new', USER_API_KEY: 'relay', ENDPOINT: 'https://r.example' })
        .openaiApiKey,
    ).toBe('new');
  });

  it('maps every legacy name of the Python connector', () => {
    const config = loadReplyConfig({
      CHATGPT_API_KEY: KEY,
      ENDPOINT: 'https://api.openai-proxy.example/',
      OSS_MOUNT_POINT: '/mnt/legacy',
      HISTORY_LENGTH: '3',
      TIMEOUT: '30',
      VERBOSE: '10',
    });
    expect(config.openaiBaseUrl).toBe('https://api.openai-proxy.example/v1');
    expect(config.historyDir).toBe('/mnt/legacy');
    expect(config.historyLength).toBe(3);
    expect(config.llmTimeoutMs).toBe(30_000);
    expect(config.logLevel).toBe('debug');
  });

  it('keeps a legacy ENDPOINT that already ends in /v1, and never rewrites OPENAI_BASE_URL', () => {
    expect(loadReplyConfig({ OPENAI_API_KEY: KEY, ENDPOINT: 'https://relay.example/v1' }).openaiBaseUrl).toBe(
      'https://relay.example/v1',
    );
    expect(
      loadReplyConfig({
        OPENAI_API_KEY: KEY,
        OPENAI_BASE_URL: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
      }).openaiBaseUrl,
    ).toBe('https://dashscope.aliyuncs.com/compatible-mode/v1');
    expect(
      loadReplyConfig({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: 'http://127.0.0.1:11434' }).openaiBaseUrl,
    ).toBe('http://127.0.0.1:11434');
  });

  it('prefers new names over old ones', () => {
    const config = loadReplyConfig({
      OPENAI_API_KEY: KEY,
      CHATGPT_API_KEY: 'old',
      OPENAI_BASE_URL: 'https://new.example/v1',
      ENDPOINT: 'https://old.example',
      HISTORY_DIR: '/mnt/new',
      OSS_MOUNT_POINT: '/mnt/old',
      LLM_TIMEOUT: '20',
      TIMEOUT: '99',
    });
    expect(config).toMatchObject({
      openaiApiKey: KEY,
      openaiBaseUrl: 'https://new.example/v1',
      historyDir: '/mnt/new',
      llmTimeoutMs: 20_000,
    });
  });

  it('HISTORY_LENGTH 0 means no memory', () => {
    expect(loadReplyConfig({ OPENAI_API_KEY: KEY, HISTORY_LENGTH: '0' }).historyLength).toBe(0);
  });

  it('pairs DINGTALK_APP_KEY and DINGTALK_APP_SECRET by position', () => {
    expect(
      loadReplyConfig({ OPENAI_API_KEY: KEY, DINGTALK_APP_KEY: 'k1,k2', DINGTALK_APP_SECRET: 's1,s2' })
        .dingtalkApps,
    ).toEqual([
      { appKey: 'k1', appSecret: 's1' },
      { appKey: 'k2', appSecret: 's2' },
    ]);
    expect(
      problemsOf({ OPENAI_API_KEY: KEY, DINGTALK_APP_KEY: 'k1,k2', DINGTALK_APP_SECRET: 'only-one-secret' }),
    ).toContain('DINGTALK_APP_KEY and DINGTALK_APP_SECRET');
  });

  it('a secret without an app key only disables the OpenAPI fallback', () => {
    expect(loadReplyConfig({ OPENAI_API_KEY: KEY, DINGTALK_APP_SECRET: 's' }).dingtalkApps).toEqual([]);
  });

  it.each([
    ['HISTORY_LENGTH', '-1'],
    ['HISTORY_LENGTH', '2.5'],
    ['HISTORY_LENGTH', 'five'],
    ['LLM_TIMEOUT', '0.000'],
    ['LLM_TIMEOUT', 'soon'],
    ['TIMEOUT', '-3'],
    ['OPENAI_BASE_URL', 'not a url'],
    ['DINGTALK_API_BASE', 'file:///etc/passwd'],
    ['DEFAULT_MODE', 'xyzmode'],
    ['CONTEXT_SCOPE', 'everyone'],
    ['MAX_CONTEXT_TOKENS', '12.5'],
    ['MAX_ANSWER_CHARS', '100'],
    ['MAX_ANSWER_CHARS', 'lots'],
    ['MAX_ANSWER_TOKENS', '0'],
    ['MAX_IMAGE_BYTES', '10MB'],
    ['MAX_FILE_BYTES', '12'],
    ['MAX_FILE_CHARS', '999'],
    ['CARD_UPDATE_MS', '20'],
    ['CHAT_TYPE', 'everyone'],
    ['MAX_REQUESTS_PER_DAY', '-5'],
    ['MODERATION', 'strict'],
    ['MODERATION_FAIL', 'maybe'],
    ['HTTPS_PROXY', 'socks5://p:1'],
  ])('reports %s=%s by name only', (name, value) => {
    const message = problemsOf({ OPENAI_API_KEY: KEY, [name]: value });
    expect(message).toContain(name);
    expect(message).not.toContain(value);
    expect(message).not.toContain(KEY);
  });
});
