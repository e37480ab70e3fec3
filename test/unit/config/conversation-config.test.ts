import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error';
import { loadConversationConfig, resolveReplyEndpoint } from '../../../src/config/conversation-config';

const SECRET = 'very-secret-value-123';

function problemsOf(env: Record<string, string>): string {
  try {
    loadConversationConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConversationConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConversationConfig({ DINGTALK_APP_SECRET: SECRET });
    expect(config).toEqual({
      appSecrets: [SECRET],
      replyFunctionName: 'dingtalk-reply',
      replyServiceName: undefined,
      replyEndpoint: undefined,
      webhookOrigins: ['https://oapi.dingtalk.com'],
      logLevel: 'info',
    });
  });

  it('requires DINGTALK_APP_SECRET and treats an empty value as unset', () => {
    expect(problemsOf({})).toContain('DINGTALK_APP_SECRET is required');
    expect(problemsOf({ DINGTALK_APP_SECRET: '  ' })).toContain('DINGTALK_APP_SECRET is required');
  });

  it('accepts several comma-separated secrets', () => {
    expect(loadConversationConfig({ DINGTALK_APP_SECRET: 'a, b,,c' }).appSecrets).toEqual(['a', 'b', 'c']);
  });

  it('accepts the Python connector names', () => {
    const config = loadConversationConfig({
      DINGTALK_APP_SECRET: SECRET,
      CHATGPT_FUNCTION: 'Dingtalk_ChatGPT_Reply',
      SERVICE_NAME: 'ChatGTP_Services',
      ENDPOINT: '123456.us-west-1-internal.fc.aliyuncs.com',
      VERBOSE: '25',
    });
    expect(config.replyFunctionName).toBe('Dingtalk_ChatGPT_Reply');
    expect(config.replyServiceName).toBe('ChatGTP_Services');
    expect(config.replyEndpoint?.toString()).toBe('https://123456.us-west-1-internal.fc.aliyuncs.com/');
    expect(config.logLevel).toBe('warn');
  });

  it('prefers the new name when both are set', () => {
    const config = loadConversationConfig({
      DINGTALK_APP_SECRET: SECRET,
      REPLY_FUNCTION_NAME: 'new-reply',
      CHATGPT_FUNCTION: 'old-reply',
      REPLY_ENDPOINT: 'http://127.0.0.1:9000',
      ENDPOINT: 'old.example.com',
      LOG_LEVEL: 'debug',
      VERBOSE: '40',
    });
    expect(config.replyFunctionName).toBe('new-reply');
    expect(config.replyEndpoint?.toString()).toBe('http://127.0.0.1:9000/');
    expect(config.logLevel).toBe('debug');
  });

  it.each([
    ['10', 'debug'],
    ['20', 'info'],
    ['25', 'warn'],
    ['30', 'warn'],
    ['40', 'error'],
    ['50', 'fatal'],
  ])('maps VERBOSE=%s to %s', (verbose, level) => {
    expect(loadConversationConfig({ DINGTALK_APP_SECRET: SECRET, VERBOSE: verbose }).logLevel).toBe(level);
  });

  it('names the bad variables without echoing their values', () => {
    const message = problemsOf({
      DINGTALK_APP_SECRET: SECRET,
      LOG_LEVEL: 'loud-secretish',
      DINGTALK_WEBHOOK_ORIGINS: 'https://oapi.dingtalk.com/robot/path-secretish',
      REPLY_ENDPOINT: 'ftp://secretish-host',
    });
    expect(message).toContain('LOG_LEVEL');
    expect(message).toContain('DINGTALK_WEBHOOK_ORIGINS');
    expect(message).toContain('REPLY_ENDPOINT');
    expect(message).not.toContain('secretish');
    expect(message).not.toContain(SECRET);
  });

  it('normalises webhook origins (default port dropped)', () => {
    const config = loadConversationConfig({
      DINGTALK_APP_SECRET: SECRET,
      DINGTALK_WEBHOOK_ORIGINS: 'https://oapi.dingtalk.com:443, http://127.0.0.1:8080',
    });
    expect(config.webhookOrigins).toEqual(['https://oapi.dingtalk.com', 'http://127.0.0.1:8080']);
  });
});

describe('resolveReplyEndpoint', () => {
  it('derives the region-internal endpoint from the context', () => {
    expect(
      resolveReplyEndpoint({ replyEndpoint: undefined }, { accountId: '123', region: 'cn-hangzhou' }).href,
    ).toBe('https://123.cn-hangzhou-internal.fc.aliyuncs.com/');
  });

  it('uses the configured endpoint first', () => {
    const replyEndpoint = new URL('http://127.0.0.1:1234');
    expect(resolveReplyEndpoint({ replyEndpoint }, { accountId: '1', region: 'r' })).toBe(replyEndpoint);
  });

  it('asks for REPLY_ENDPOINT outside FC', () => {
    expect(() => resolveReplyEndpoint({ replyEndpoint: undefined }, {})).toThrow(/REPLY_ENDPOINT/);
  });
});
