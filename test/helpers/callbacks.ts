import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signDingTalk } from '../../src/dingtalk/signature';

export type FixtureName = 'dm-text' | 'dm-picture' | 'dm-rich-text' | 'dm-file';

const FIXTURES = join(__dirname, '..', 'fixtures', 'dingtalk-callbacks');

/** A real captured callback body (values replaced), with overrides applied. */
export function loadCallback(
  name: FixtureName,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const body = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Record<string, unknown>;
  return { ...body, ...overrides };
}

let counter = 0;

/** A fresh message as DingTalk would send it now: unique msgId, createAt now, webhook valid for 90 minutes. */
export function freshMessage(options: {
  webhook: string;
  text?: string;
  group?: boolean;
  staffId?: string | null;
  senderId?: string;
  fixture?: FixtureName;
  now?: number;
  msgId?: string;
}): Record<string, unknown> {
  counter += 1;
  const now = options.now ?? Date.now();
  const base = loadCallback(options.fixture ?? 'dm-text');
  const body: Record<string, unknown> = {
    ...base,
    msgId: options.msgId ?? `msg${counter}${Math.random().toString(36).slice(2)}+/A==`,
    createAt: now,
    sessionWebhook: options.webhook,
    sessionWebhookExpiredTime: now + 5_400_000,
  };
  if (options.text !== undefined) body.text = { content: options.group ? ` ${options.text}` : options.text };
  if (options.senderId) body.senderId = options.senderId;
  if (options.staffId === null) delete body.senderStaffId;
  else if (options.staffId !== undefined) body.senderStaffId = options.staffId;
  if (options.group) {
    body.conversationType = '2';
    body.conversationId = 'cidGroupConversation0000000000000000000000+/=';
    body.conversationTitle = '产品研发群';
    body.isInAtList = true;
    body.atUsers = [{ dingtalkId: base.chatbotUserId }];
  }
  return body;
}

/** How a test callback is signed and wrapped. */
export interface SignOptions {
  secret: string;
  timestamp?: string;
  sign?: string;
  lowerCaseHeaders?: boolean;
  base64?: boolean;
  method?: string;
  extraHeaders?: Record<string, string>;
}

/** An FC 3.0 HTTP-trigger event carrying `body`, signed for `secret` (canonicalised header names, as FC delivers). */
export function signedHttpEvent(body: unknown, options: SignOptions): Buffer {
  const timestamp = options.timestamp ?? String(Date.now());
  const sign = options.sign ?? signDingTalk(timestamp, options.secret);
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const headers = options.lowerCaseHeaders
    ? { 'content-type': 'application/json; charset=utf-8', timestamp, sign }
    : { 'Content-Type': 'application/json; charset=utf-8', Timestamp: timestamp, Sign: sign };
  return httpEvent(raw, { ...headers, ...options.extraHeaders }, options);
}

/** An FC 3.0 HTTP-trigger event with exactly these headers. */
export function httpEvent(
  rawBody: string,
  headers: Record<string, string>,
  options: { base64?: boolean; method?: string } = {},
): Buffer {
  return Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath: '/',
      headers,
      queryParameters: {},
      body: options.base64 ? Buffer.from(rawBody, 'utf8').toString('base64') : rawBody,
      isBase64Encoded: options.base64 === true,
      requestContext: {
        accountId: '1234567890123456',
        domainName: 'trigger.cn-hangzhou.fcapp.run',
        domainPrefix: 'trigger',
        http: {
          method: options.method ?? 'POST',
          path: '/',
          protocol: 'HTTP/1.1',
          sourceIp: '203.0.113.10',
          userAgent: 'DingTalk',
        },
        requestId: 'req-1',
        time: new Date().toISOString(),
        timeEpoch: String(Date.now()),
      },
    }),
  );
}
