import { createHash } from 'node:crypto';
import type { Clock, DeliveryTarget, Logger, StreamingAnswer } from '../ports';
import {
  type CardClient,
  type CardFailure,
  type CardOutcome,
  createCardClient,
  describeCardFailure,
} from './card-client';
import { type CardSpace, findCardSpace } from './card-space';
import { createDingTalkHttp } from './create-dingtalk-http';
import { type CardLimits, closeOpenFence, cutCardText, fitsCard } from './cut-card-text';
import { type CallContext, createOpenApiClient, type DingTalkApp, type TokenCache } from './openapi-client';

/** How answers are streamed into AI cards. */
export interface AnswerCardSettings {
  /** DINGTALK_CARD_TEMPLATE_ID, e.g. "xxxx.schema": an AI-card template with a streaming markdown variable. */
  templateId: string;
  /** DINGTALK_CARD_CONTENT_KEY: that variable's name, default 'content'. */
  contentKey: string;
  /** CARD_UPDATE_MS: least time between the starts of two streaming updates, default 500. */
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
  /** Back-off between attempts of a final update, flow-status change or continuation card; default [1000, 2000]. */
  retryDelaysMs?: number[];
  /** After a permission, quota, template or credential failure, cards are skipped this long (no calls spent); default 10 min. */
  cooldownMs?: number;
}

interface Card {
  outTrackId: string;
  /** Offset in the answer where this card's own text begins. */
  start: number;
  /** Shown before that text: a code fence reopened from the previous card, or ''. */
  reopen: string;
  /** The part of the answer DingTalk has confirmed showing in this card. */
  visible: string;
}

// Over ~3 000 Chinese characters a card renders blank (dingtalk.md §6, soimy/openclaw-channel-dingtalk#615); every
// update re-sends the whole card (isFull), and a reopened fence or an error notice must still fit, so 2 000.
const DEFAULT_MAX_CARD_CHARS = 2000;
// 2 000 characters stay under 6 KB of UTF-8; this only binds if maxCardChars is raised. The third-party "≤ 1 KB
// per update, 3 KB total" contradicts the ~3 000 characters observed to work; 10 KB total does not.
const MAX_CARD_BYTES = 9000;
const MIN_CARD_CHARS = 200;
const FLOW_FINISHED = '3';
// DingTalk's own card SDK ends a card that failed with FAILED, not FINISHED (dingtalk.md §8.1).
const FLOW_FAILED = '5';
const SEE_NEXT_MESSAGE = '（回复见下一条消息）';
// Failures that will hit every answer of the app until someone changes a setting (or the month ends).
const COOL_DOWN_KINDS = new Set<CardFailure['kind']>(['permission', 'quota', 'setting', 'token']);

/** Created once per function instance (module scope), so the access token and the cool-down outlive one answer. */
export function createAnswerCards(options: AnswerCardsOptions): {
  /** The card streamer for one answer, or undefined when this target cannot get a card (no app for its robotCode; a direct chat without senderStaffId). */
  start(target: DeliveryTarget, answerId: string, log: Logger): AnswerCard | undefined;
} {
  const maxCardChars = options.settings.maxCardChars ?? DEFAULT_MAX_CARD_CHARS;
  if (maxCardChars < MIN_CARD_CHARS) throw new RangeError(`maxCardChars must be at least ${MIN_CARD_CHARS}`);
  const http = createDingTalkHttp(options.requestTimeoutMs);
  const openApi = createOpenApiClient({
    http,
    apiBase: options.apiBase,
    clock: options.clock,
    ...(options.tokenCache === undefined ? {} : { tokenCache: options.tokenCache }),
  });
  const shared: Shared = {
    cards: createCardClient(openApi),
    settings: options.settings,
    limits: { maxChars: maxCardChars, maxBytes: MAX_CARD_BYTES },
    retryDelaysMs: options.retryDelaysMs ?? [1000, 2000],
    cooldownMs: options.cooldownMs ?? 10 * 60_000,
    cooling: new Map(),
  };
  return {
    start(target, answerId, log) {
      const app = options.apps.find((candidate) => candidate.appKey === target.robotCode);
      const space = app === undefined ? undefined : findCardSpace(target, app.appKey);
      if (app === undefined || space === undefined) return undefined;
      // Derived from the message id, so a retried invocation addresses the same cards; hex is safe everywhere.
      const baseId = createHash('sha256').update(`${app.appKey}\n${answerId}`).digest('hex').slice(0, 32);
      return startAnswerCard({ shared, app, space, baseId, log });
    },
  };
}

interface Shared {
  cards: CardClient;
  settings: AnswerCardSettings;
  limits: CardLimits;
  retryDelaysMs: number[];
  cooldownMs: number;
  /** appKey → until when (performance.now()) and why cards are off. */
  cooling: Map<string, { until: number; failure: CardFailure }>;
}

function startAnswerCard(deps: {
  shared: Shared;
  app: DingTalkApp;
  space: CardSpace;
  baseId: string;
  log: Logger;
}): AnswerCard {
  const { shared, app, space, baseId, log } = deps;
  const { cards, settings, limits } = shared;
  const key = settings.contentKey;
  let calls = 0;
  const context: CallContext = {
    log,
    onCall: () => {
      calls += 1;
    },
  };
  let phase: 'new' | 'open' | 'off' = 'new';
  let opening: Promise<boolean> | undefined;
  let ending: Promise<{ delivered: boolean; deliveredChars: number }> | undefined;
  let closing = false;
  // Streaming refused: live updates stop and each card gets its text through the instance update at the end.
  let streamOff = false;
  // A card could not be finished or continued: whatever is not in the cards goes out as markdown.
  let broken = false;
  let text = '';
  let textAt: number | undefined;
  let firstUpdateMs: number | undefined;
  let lastUpdateAt: number | undefined;
  let updates = 0;
  let timer: NodeJS.Timeout | undefined;
  let busy: Promise<void> | undefined;
  const done: Card[] = [];
  let card: Card | undefined;

  const idOf = (index: number) => (index === 1 ? baseId : `${baseId}-${index}`);
  const bodyOf = (c: Card) => c.reopen + text.slice(c.start);
  const shownText = () => done.map((c) => c.visible).join('') + (card?.visible ?? '');

  function kick(): void {
    if (phase !== 'open' || closing || busy || broken || streamOff || card === undefined) return;
    const current = card;
    const body = bodyOf(current);
    if (text.slice(current.start).trim() === '' || body === current.reopen + current.visible) return;
    const wait =
      lastUpdateAt === undefined ? 0 : lastUpdateAt + settings.updateIntervalMs - performance.now();
    if (wait > 0) {
      // A burst followed by silence still gets its update once the interval is over.
      timer ??= setTimeout(() => {
        timer = undefined;
        kick();
      }, wait);
      return;
    }
    busy = liveStep(current)
      .catch((error: unknown) => {
        broken = true;
        log.error({ type: (error as Error)?.name }, 'card update failed unexpectedly');
      })
      .finally(() => {
        busy = undefined;
        kick();
      });
  }

  async function liveStep(current: Card): Promise<void> {
    lastUpdateAt = performance.now();
    const body = bodyOf(current);
    if (!fitsCard(body, limits)) {
      await rollOver(current, 0);
      return;
    }
    firstUpdateMs ??= textAt === undefined ? 0 : Math.round(lastUpdateAt - textAt);
    const answerPart = text.slice(current.start);
    const outcome = await stream(current, body, false, false);
    if (outcome.ok) current.visible = answerPart;
    // A rate limit or a 5xx costs this update only: the next one carries the full text anyway.
    else if (outcome.retryable)
      log.debug({ reason: outcome.reason, code: outcome.code }, 'card update skipped');
    else stopStreaming(outcome);
  }

  function stream(c: Card, content: string, isFinalize: boolean, isError: boolean): Promise<CardOutcome> {
    updates += 1;
    return cards.stream(app, { outTrackId: c.outTrackId, key, content, isFinalize, isError }, context);
  }

  function stopStreaming(failure: CardFailure): void {
    if (streamOff) return;
    streamOff = true;
    log.warn(
      { reason: failure.reason, code: failure.code, scope: failure.scope, setting: failure.setting },
      `AI card streaming refused, the card gets the answer when it is complete: ${describeCardFailure(failure)}`,
    );
  }

  async function withRetries(send: () => Promise<CardOutcome>): Promise<CardOutcome> {
    let outcome = await send();
    for (const delayMs of shared.retryDelaysMs) {
      if (outcome.ok || !outcome.retryable) break;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      outcome = await send();
    }
    return outcome;
  }

  /** Ends a card showing `content` (streaming finalize, then flow status FINISHED, or FAILED for an error); false when the user cannot see it. */
  async function seal(c: Card, content: string, isError: boolean, answerPart: string): Promise<boolean> {
    let visible = false;
    if (!streamOff) {
      const streamed = await withRetries(() => stream(c, content, true, isError));
      if (streamed.ok) visible = true;
      else if (!streamed.retryable) stopStreaming(streamed);
    }
    // The text goes along: it is what the card shows if the streaming call failed.
    const params = { [key]: content, flowStatus: isError ? FLOW_FAILED : FLOW_FINISHED };
    const finished = await withRetries(() =>
      cards.updateInstance(app, { outTrackId: c.outTrackId, params }, context),
    );
    if (finished.ok) visible = true;
    else {
      log.warn(
        { reason: finished.reason, code: finished.code, scope: finished.scope, card: done.length + 1 },
        `could not mark the AI card finished: ${describeCardFailure(finished)}`,
      );
    }
    if (visible) c.visible = answerPart;
    else broken = true;
    return visible;
  }

  /** Finishes a card that has grown too big at a safe cut and continues in a new card. */
  async function rollOver(c: Card, reserve: number): Promise<void> {
    const body = bodyOf(c);
    const maxBytes = (limits.maxBytes ?? Infinity) - reserve * 3;
    const cut = cutCardText(body, { maxChars: limits.maxChars - reserve, maxBytes }, c.reopen.length);
    const answerChars = cut.consumed - c.reopen.length;
    if (!(await seal(c, cut.content, false, text.slice(c.start, c.start + answerChars)))) return;
    const next: Card = {
      outTrackId: idOf(done.length + 2),
      start: c.start + answerChars,
      reopen: cut.reopen,
      visible: '',
    };
    const created = await withRetries(() =>
      cards.createAndDeliver(
        app,
        { outTrackId: next.outTrackId, templateId: settings.templateId, contentKey: key, space },
        context,
      ),
    );
    done.push(c);
    card = undefined;
    if (created.ok) {
      card = next;
      return;
    }
    broken = true;
    log.warn(
      { reason: created.reason, code: created.code, scope: created.scope, card: done.length + 1 },
      `could not continue the answer in a new AI card: ${describeCardFailure(created)}`,
    );
  }

  async function settle(): Promise<void> {
    closing = true;
    await opening;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    while (busy !== undefined) await busy;
  }

  function summarize(outcome: string, delivered: boolean): void {
    log.info(
      {
        cards: done.length + (card === undefined ? 0 : 1),
        updates,
        calls,
        firstUpdateMs,
        streaming: !streamOff,
        outcome,
        delivered,
      },
      'answer cards done',
    );
  }

  async function open(): Promise<boolean> {
    const cooling = shared.cooling.get(app.appKey);
    if (cooling !== undefined && performance.now() < cooling.until) {
      phase = 'off';
      const { failure } = cooling;
      log.warn(
        {
          reason: failure.reason,
          code: failure.code,
          scope: failure.scope,
          setting: failure.setting,
          cached: true,
        },
        `AI card unavailable, answering with markdown: ${describeCardFailure(failure)}`,
      );
      return false;
    }
    const first: Card = { outTrackId: idOf(1), start: 0, reopen: '', visible: '' };
    const outcome = await cards.createAndDeliver(
      app,
      { outTrackId: first.outTrackId, templateId: settings.templateId, contentKey: key, space },
      context,
    );
    if (outcome.ok) {
      shared.cooling.delete(app.appKey);
      card = first;
      phase = 'open';
      kick();
      return true;
    }
    phase = 'off';
    log.warn(
      { reason: outcome.reason, code: outcome.code, scope: outcome.scope, setting: outcome.setting, calls },
      `AI card unavailable, answering with markdown: ${describeCardFailure(outcome)}`,
    );
    if (COOL_DOWN_KINDS.has(outcome.kind) && !outcome.retryable)
      shared.cooling.set(app.appKey, { until: performance.now() + shared.cooldownMs, failure: outcome });
    // A timed-out create may still have made the card: finish it, or it would spin in the chat forever.
    if (outcome.kind === 'timeout') {
      const params = { [key]: SEE_NEXT_MESSAGE, flowStatus: FLOW_FINISHED };
      await cards.updateInstance(app, { outTrackId: first.outTrackId, params }, context);
    }
    return false;
  }

  async function finishCards(final: string): Promise<{ delivered: boolean; deliveredChars: number }> {
    text = final;
    await settle();
    if (phase !== 'open') return { delivered: false, deliveredChars: 0 };
    const frozen = done.map((c) => c.visible).join('');
    if (!broken && !final.startsWith(frozen)) {
      // Finished cards cannot change: the rest goes out as markdown after what they show.
      broken = true;
      log.warn('the final answer does not extend the text already in the cards');
      if (card !== undefined) await seal(card, card.reopen + card.visible, false, card.visible);
    }
    while (!broken && card !== undefined && !fitsCard(bodyOf(card), limits)) await rollOver(card, 0);
    if (!broken && card !== undefined) await seal(card, bodyOf(card), false, text.slice(card.start));
    const deliveredChars = commonPrefixLength(shownText(), final);
    const delivered = !broken && deliveredChars === final.length;
    summarize('finished', delivered);
    return { delivered, deliveredChars };
  }

  async function failCards(notice: string): Promise<{ delivered: boolean }> {
    await settle();
    if (phase !== 'open') return { delivered: false };
    const withNotice = (c: Card) => {
      const part = text.slice(c.start);
      return part.trim() === '' ? notice : `${closeOpenFence(c.reopen + part)}\n\n${notice}`;
    };
    const reserve = notice.length + 8;
    while (!broken && card !== undefined && !fitsCard(withNotice(card), limits)) {
      if (text.slice(card.start).trim() === '') break;
      await rollOver(card, reserve);
    }
    let delivered = false;
    if (!broken && card !== undefined)
      delivered = await seal(card, withNotice(card), true, text.slice(card.start));
    summarize('failed', delivered);
    return { delivered };
  }

  return {
    open() {
      opening ??= open().catch((error: unknown) => {
        phase = 'off';
        log.error(
          { type: (error as Error)?.name },
          'AI card unavailable after an unexpected error; answering with markdown',
        );
        return false;
      });
      return opening;
    },
    update(next) {
      if (closing) return;
      text = next;
      if (textAt === undefined && next.trim() !== '') textAt = performance.now();
      kick();
    },
    finish(final) {
      ending ??= finishCards(final);
      return ending;
    },
    async fail(notice) {
      ending ??= failCards(notice).then(({ delivered }) => ({ delivered, deliveredChars: 0 }));
      const { delivered } = await ending;
      return { delivered };
    },
    get calls() {
      return calls;
    },
  };
}

function commonPrefixLength(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let index = 0;
  while (index < max && a.charCodeAt(index) === b.charCodeAt(index)) index++;
  return index;
}
