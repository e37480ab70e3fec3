import { createHash } from 'node:crypto';
import type { Clock, DeliveryTarget, Logger, StreamingAnswer } from '../ports';
import { AnswerCardRun } from './answer-card-run';
import { createCallPacer } from './call-pacer';
import { createCardClient } from './card-client';
import { createCardCooldown } from './card-cooldown';
import { findCardSpace } from './card-space';
import { createDingTalkHttp } from './create-dingtalk-http';
import { createOpenApiClient, type DingTalkApp, type OpenApiClient, type TokenCache } from './openapi-client';

/** How answers are streamed into AI cards. */
export interface AnswerCardSettings {
  /** DINGTALK_CARD_TEMPLATE_ID: DingTalk's built-in AI card by default, or a custom template ("xxxx.schema"). */
  templateId: string;
  /** The template's streaming markdown variable: msgContent for the built-in one, else DINGTALK_CARD_CONTENT_KEY. */
  contentKey: string;
  /** CARD_UPDATE_MS: the least time between two live updates (the answer's call budget decides the rest). */
  updateIntervalMs: number;
  /** Safe size of one card's content in characters; default 2 000 (see DEFAULT_MAX_CARD_CHARS). */
  maxCardChars?: number;
}

/** One answer streamed into one or more cards: the StreamingAnswer the reply handler drives. */
export type AnswerCard = StreamingAnswer;

/** Options of createAnswerCards. */
export interface AnswerCardsOptions {
  /** Apps that may send cards; a target's robotCode picks one. */
  apps: DingTalkApp[];
  /** e.g. https://api.dingtalk.com */
  apiBase: string;
  clock: Clock;
  settings: AnswerCardSettings;
  /** Access tokens kept across instances (e.g. createFileTokenCache on the history volume). */
  tokenCache?: TokenCache;
  /** Per HTTP call; default 10 000. */
  requestTimeoutMs?: number;
  /** Back-off between attempts of a card's creation or end (within the answer's budget); default [1000, 2000]. */
  retryDelaysMs?: number[];
  /** After a permission, quota, template or credential failure, cards are skipped this long (no calls spent); default 10 min. */
  cooldownMs?: number;
  /** Card calls per second of this instance, all answers together; default 20 (DingTalk allows about 40). */
  callsPerSecond?: number;
  /** The instance's one OpenAPI client, so every caller shares its access token; built here when absent. */
  openApi?: OpenApiClient;
}

// Over ~3 000 Chinese characters a card renders blank (dingtalk.md §6, soimy/openclaw-channel-dingtalk#615); every
// update re-sends the whole card (isFull), and a reopened fence or an error notice must still fit, so 2 000.
const DEFAULT_MAX_CARD_CHARS = 2000;
// 2 000 characters stay under 6 KB of UTF-8; this only binds if maxCardChars is raised. The third-party "≤ 1 KB
// per update, 3 KB total" contradicts the ~3 000 characters observed to work; 10 KB total does not.
const MAX_CARD_BYTES = 9000;
const MIN_CARD_CHARS = 200;

/**
 * Created once per function instance (module scope), so the access token, the cool-down and the pacing of card
 * calls are shared by every answer the instance serves.
 */
export function createAnswerCards(options: AnswerCardsOptions): {
  /** The card streamer for one answer, or undefined when this target cannot get a card (no app for its robotCode; a direct chat without senderStaffId). */
  start(target: DeliveryTarget, answerId: string, log: Logger): AnswerCard | undefined;
} {
  const maxCardChars = options.settings.maxCardChars ?? DEFAULT_MAX_CARD_CHARS;
  if (maxCardChars < MIN_CARD_CHARS) throw new RangeError(`maxCardChars must be at least ${MIN_CARD_CHARS}`);
  const openApi =
    options.openApi ??
    createOpenApiClient({
      http: createDingTalkHttp(options.requestTimeoutMs),
      apiBase: options.apiBase,
      clock: options.clock,
      ...(options.tokenCache === undefined ? {} : { tokenCache: options.tokenCache }),
    });
  const perSecond = options.callsPerSecond ?? 20;
  const pacer = createCallPacer({ perSecond, burst: Math.max(1, Math.floor(perSecond / 2)) });
  const shared = {
    cards: createCardClient(openApi, pacer.take),
    settings: options.settings,
    limits: { maxChars: maxCardChars, maxBytes: MAX_CARD_BYTES },
    retryDelaysMs: options.retryDelaysMs ?? [1000, 2000],
    cooldown: createCardCooldown(options.cooldownMs ?? 10 * 60_000),
  };
  return {
    start(target, answerId, log) {
      const app = options.apps.find((candidate) => candidate.appKey === target.robotCode);
      const space = app === undefined ? undefined : findCardSpace(target, app.appKey);
      if (app === undefined || space === undefined) return undefined;
      // Derived from the message id, so a retried invocation addresses the same cards; hex is safe everywhere.
      const baseId = createHash('sha256').update(`${app.appKey}\n${answerId}`).digest('hex').slice(0, 32);
      return new AnswerCardRun({ ...shared, app, space, baseId, log });
    },
  };
}
