import type { AnswerDelivery, Clock, DeliveryResult, DeliveryTarget, Logger } from '../ports';
import { createDingTalkHttp } from './create-dingtalk-http';
import { deriveMarkdownTitle } from './derive-markdown-title';
import {
  createOpenApiClient,
  type DingTalkApp,
  type OpenApiClient,
  type OpenApiRecipient,
  type TokenCache,
} from './openapi-client';
import { postToWebhook, type SendOutcome } from './post-to-webhook';
import { splitMarkdown } from './split-markdown';

export type { DingTalkApp } from './openapi-client';

/** Options of createAnswerDelivery. */
export interface AnswerDeliveryOptions {
  /** Apps whose OpenAPI may carry answers when the webhook cannot; may be empty. */
  apps: DingTalkApp[];
  /** e.g. https://api.dingtalk.com */
  apiBase: string;
  clock: Clock;
  /** Per HTTP call; default 10 000. */
  requestTimeoutMs?: number;
  /** Back-off between attempts of one post; default [500, 1500]. */
  retryDelaysMs?: number[];
  /** Access tokens kept across instances (the history volume), shared with the card streamer. */
  tokenCache?: TokenCache;
  /** The instance's one OpenAPI client, so every caller shares its access token; built here when absent. */
  openApi?: OpenApiClient;
}

type Route = { app: DingTalkApp; recipient: OpenApiRecipient } | { missing: string };
type Mention = { text: string; atUserIds?: string[] };

// The webhook rejects bodies over 20 000 bytes (errcode 460101); markdown over ~3 500 characters is
// downgraded to plain text (dingtalk.md §6).
const MAX_BODY_BYTES = 20_000;
const MAX_PART_CHARS = 3500;
// A title is at most 20 code points, each at most 6 bytes once JSON-escaped.
const TITLE_RESERVE_BYTES = 128;

/** Creates the answer delivery once per instance: webhook first, OpenAPI fallback, parts strictly in order. */
export function createAnswerDelivery(options: AnswerDeliveryOptions): AnswerDelivery {
  const http = createDingTalkHttp(options.requestTimeoutMs);
  const openApi =
    options.openApi ??
    createOpenApiClient({
      http,
      apiBase: options.apiBase,
      clock: options.clock,
      ...(options.tokenCache ? { tokenCache: options.tokenCache } : {}),
    });
  const retryDelaysMs = options.retryDelaysMs ?? [500, 1500];

  async function deliver(target: DeliveryTarget, markdown: string, log: Logger): Promise<DeliveryResult> {
    const startedAt = performance.now();
    const mention = findMention(target);
    const envelopeBytes = Buffer.byteLength(JSON.stringify(buildWebhookBody('', mention)));
    const parts = splitMarkdown(markdown, {
      maxChars: MAX_PART_CHARS - (mention === undefined ? 0 : mention.text.length + 2),
      maxBytes: MAX_BODY_BYTES - envelopeBytes - TITLE_RESERVE_BYTES,
    });
    const via: DeliveryResult['via'] = [];
    const partMs: number[] = [];
    const fail = (reason: string): DeliveryResult => {
      log.error({ reason, parts: parts.length, via, durationMs: elapsed(startedAt) }, 'answer not delivered');
      return { delivered: false, parts: parts.length, via, reason };
    };
    if (parts.length === 0) return fail('empty_answer');
    const route = findRoute(target, options.apps);
    let webhookOpen = true;
    for (const [index, part] of parts.entries()) {
      const partStartedAt = performance.now();
      log.debug({ part: index, text: part }, 'delivering answer part');
      if (webhookOpen) {
        const expired = options.clock() > target.sessionWebhookExpiredTime;
        if (expired && 'app' in route) {
          log.info({ part: index }, 'session webhook expired; using OpenAPI');
        } else {
          // Without a fallback an expired webhook still gets one try: its real lifetime is not guaranteed.
          const body = buildWebhookBody(part, index === 0 ? mention : undefined);
          const send = () => postToWebhook(http, target.sessionWebhook, body);
          const outcome = await withRetries(send, expired ? [] : retryDelaysMs, log, 'webhook', index);
          if (outcome.status === 'ok') {
            via.push('webhook');
            partMs.push(elapsed(partStartedAt));
            continue;
          }
          if (outcome.status === 'expired' && 'missing' in route) return fail(route.missing);
          // A timeout may have delivered the part: resending it elsewhere would risk a duplicate.
          if (outcome.status === 'unknown' || 'missing' in route) return fail(outcome.reason);
          log.warn({ part: index, reason: outcome.reason }, 'session webhook failed; using OpenAPI');
        }
        webhookOpen = false;
      }
      if ('missing' in route) return fail(route.missing);
      const { app, recipient } = route;
      // OpenAPI group messages cannot @ anyone (dingtalk.md §7.2), so the mention is dropped here.
      const message = { title: deriveMarkdownTitle(part), text: part };
      const send = () => openApi.sendMarkdown(app, recipient, message);
      const outcome = await withRetries(send, retryDelaysMs, log, 'openapi', index);
      if (outcome.status !== 'ok') return fail(outcome.reason);
      via.push('openapi');
      partMs.push(elapsed(partStartedAt));
    }
    log.info({ parts: parts.length, via, durationMs: elapsed(startedAt), partMs }, 'answer delivered');
    return { delivered: true, parts: parts.length, via };
  }

  return { deliver };
}

/** Groups @ the sender: a staffId becomes a real mention (list + literal text, dingtalk.md §4.3), else the nick. */
function findMention(target: DeliveryTarget): Mention | undefined {
  if (target.conversationType !== 'group') return undefined;
  const staffId = target.senderStaffId?.trim();
  if (staffId) return { text: `@${staffId}`, atUserIds: [staffId] };
  const nick = target.senderNick.trim();
  return nick === '' ? undefined : { text: `@${nick}` };
}

function buildWebhookBody(part: string, mention: Mention | undefined): object {
  const text = mention === undefined ? part : `${mention.text}\n\n${part}`;
  const body = { msgtype: 'markdown', markdown: { title: deriveMarkdownTitle(part), text } };
  return mention?.atUserIds === undefined ? body : { ...body, at: { atUserIds: mention.atUserIds } };
}

function findRoute(target: DeliveryTarget, apps: DingTalkApp[]): Route {
  const app = apps.find((candidate) => candidate.appKey === target.robotCode);
  if (app === undefined) return { missing: 'no_openapi_app' };
  if (target.conversationType === 'group') {
    return { app, recipient: { kind: 'group', openConversationId: target.conversationId } };
  }
  const staffId = target.senderStaffId?.trim();
  return staffId ? { app, recipient: { kind: 'oto', userId: staffId } } : { missing: 'no_sender_staff_id' };
}

async function withRetries(
  send: () => Promise<SendOutcome>,
  delaysMs: number[],
  log: Logger,
  channel: 'webhook' | 'openapi',
  part: number,
): Promise<SendOutcome> {
  let outcome = await send();
  for (const [index, delayMs] of delaysMs.entries()) {
    if (outcome.status !== 'transient') break;
    log.warn(
      { channel, part, attempt: index + 1, reason: outcome.reason, detail: outcome.detail },
      'send failed; retrying',
    );
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    outcome = await send();
  }
  if (outcome.status !== 'ok') {
    log.warn(
      { channel, part, status: outcome.status, reason: outcome.reason, detail: outcome.detail },
      'send failed',
    );
  }
  return outcome;
}

function elapsed(since: number): number {
  return Math.round(performance.now() - since);
}
