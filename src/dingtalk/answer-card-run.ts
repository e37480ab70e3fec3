import type { Logger, StreamingAnswer } from '../ports';
import type { AnswerCardSettings } from './answer-card';
import { AnswerCardCalls } from './answer-card-calls';
import {
  type Cadence,
  canContinueInNewCard,
  canSendLiveUpdate,
  type Spent,
  waitForNextUpdate,
} from './card-budget';
import { type CardClient, type CardFailure, type CardOutcome, describeCardFailure } from './card-client';
import type { CardCooldown } from './card-cooldown';
import type { CardSpace } from './card-space';
import { FLOW_STATUS, type FlowStatus } from './card-template';
import { type CardLimits, closeOpenFence, cutCardText, fitsCard } from './cut-card-text';
import type { DingTalkApp } from './openapi-client';

/** What every answer of an instance shares. */
export interface RunDeps {
  cards: CardClient;
  settings: AnswerCardSettings;
  limits: CardLimits;
  retryDelaysMs: number[];
  cooldown: CardCooldown;
  app: DingTalkApp;
  space: CardSpace;
  /** The first card's outTrackId; the next ones add -2, -3. */
  baseId: string;
  log: Logger;
}

/**
 * Where the answer's cards are:
 * new ─open()→ live ─(card full)→ live in the next card … ─finish()/fail()→ ended
 *  └→ off: no card, the caller posts markdown     live ─(streaming refused)→ quiet: text only when the card ends
 *  live/quiet ─(no card left in the budget, or a card could not be ended)→ spilled: the rest goes out as markdown
 */
type Phase = 'new' | 'off' | 'live' | 'quiet' | 'spilled' | 'ended';

interface Card {
  outTrackId: string;
  /** Offset in the answer where this card's own text begins. */
  start: number;
  /** Shown before that text: a code fence reopened from the previous card, or ''. */
  reopen: string;
  /** The part of the answer DingTalk has confirmed showing in this card. */
  visible: string;
}

type Ending = { delivered: boolean; deliveredChars: number };

const SEE_NEXT_MESSAGE = '（回复见下一条消息）';
const CONTINUED_BELOW = '（接下一条消息）';
const NOTHING: Ending = { delivered: false, deliveredChars: 0 };

/** One answer streamed into at most a few cards, within the call budget of card-budget.ts. */
export class AnswerCardRun implements StreamingAnswer {
  private phase: Phase = 'new';
  private text = '';
  private readonly cardList: Card[] = [];
  private readonly cadence: Cadence;
  private readonly api: AnswerCardCalls;
  private readonly stats = {
    firstTextAt: undefined as number | undefined,
    firstUpdateMs: undefined as number | undefined,
    streamingRefused: false,
  };
  private opening: Promise<boolean> | undefined;
  private ending: Promise<Ending> | undefined;
  private closing = false;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: RunDeps) {
    this.cadence = { updates: 0, lastAt: undefined, floorMs: deps.settings.updateIntervalMs };
    this.api = new AnswerCardCalls(deps);
  }

  get calls(): number {
    return this.api.count;
  }

  open(): Promise<boolean> {
    this.opening ??= this.openFirstCard().catch((error: unknown) => {
      this.phase = 'off';
      this.deps.log.error(
        { type: (error as Error)?.name },
        'AI card unavailable after an unexpected error; answering with markdown',
      );
      return false;
    });
    return this.opening;
  }

  update(text: string): void {
    if (this.closing) return;
    this.text = text;
    if (this.stats.firstTextAt === undefined && text.trim() !== '')
      this.stats.firstTextAt = performance.now();
    this.pump();
  }

  finish(text: string): Promise<Ending> {
    this.ending ??= this.endWithAnswer(text);
    return this.ending;
  }

  async fail(notice: string): Promise<{ delivered: boolean }> {
    this.ending ??= this.endWithNotice(notice);
    const { delivered } = await this.ending;
    return { delivered };
  }

  // ── Life cycle ────────────────────────────────────────────────────────────────────────────────────────────

  private async openFirstCard(): Promise<boolean> {
    const { app, cooldown, log } = this.deps;
    if (cooldown.active(app.appKey) !== undefined) {
      this.phase = 'off';
      log.debug('AI cards are off for a while (see the earlier warning); answering with markdown');
      return false;
    }
    const first = this.newCard(0, '');
    const created = await this.addCard(first);
    if (created.ok) {
      cooldown.clear(app.appKey);
      this.phase = 'live';
      this.pump();
      return true;
    }
    this.phase = 'off';
    this.report(created, 'AI card unavailable, answering with markdown');
    // A timed-out create may still have made the card: end it, or it would spin in the chat forever.
    if (created.kind === 'timeout')
      await this.api.end(first.outTrackId, SEE_NEXT_MESSAGE, FLOW_STATUS.finished, 0);
    return false;
  }

  /** Starts the next step if one is due: a new card when this one is full, else a live update. */
  private pump(): void {
    if (this.inFlight !== undefined || this.closing || this.phase !== 'live') return;
    const card = this.openCard();
    if (!fitsCard(this.bodyOf(card), this.deps.limits)) {
      this.run(() => this.continueInNewCard(card));
      return;
    }
    if (!this.hasNewText(card) || !canSendLiveUpdate(this.spent())) return;
    const waitMs = waitForNextUpdate(this.cadence, this.text.length, performance.now());
    if (waitMs === undefined) return;
    if (waitMs > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, waitMs);
      return;
    }
    this.run(() => this.sendLiveUpdate(card));
  }

  private async endWithAnswer(final: string): Promise<Ending> {
    this.text = final;
    await this.settle();
    if (this.cardList.length === 0) return NOTHING;
    if (this.isOpen()) await this.keepEndedCardsTrue(final);
    while (this.isOpen() && !fitsCard(this.bodyOf(this.openCard()), this.deps.limits))
      await this.continueInNewCard(this.openCard());
    if (this.isOpen()) {
      const card = this.openCard();
      await this.endCard(card, this.bodyOf(card), this.text.slice(card.start), FLOW_STATUS.finished);
    }
    const deliveredChars = commonPrefixLength(this.shownText(), final);
    const delivered = deliveredChars === final.length;
    this.summarize('finished', delivered);
    return { delivered, deliveredChars };
  }

  private async endWithNotice(notice: string): Promise<Ending> {
    await this.settle();
    if (this.cardList.length === 0) return NOTHING;
    const partOf = (card: Card) => this.text.slice(card.start);
    const withNotice = (card: Card) =>
      partOf(card).trim() === '' ? notice : `${closeOpenFence(card.reopen + partOf(card))}\n\n${notice}`;
    while (this.isOpen() && !fitsCard(withNotice(this.openCard()), this.deps.limits)) {
      if (partOf(this.openCard()).trim() === '') break;
      await this.continueInNewCard(this.openCard(), notice.length + 8);
    }
    let delivered = false;
    if (this.isOpen()) {
      const card = this.openCard();
      delivered = await this.endCard(card, withNotice(card), partOf(card), FLOW_STATUS.failed);
    }
    this.summarize('failed', delivered);
    return { delivered, deliveredChars: 0 };
  }

  // ── Steps ─────────────────────────────────────────────────────────────────────────────────────────────────

  private async sendLiveUpdate(card: Card): Promise<void> {
    const part = this.text.slice(card.start);
    this.countUpdate();
    const outcome = await this.api.stream(card.outTrackId, card.reopen + part);
    if (outcome.ok) {
      card.visible = part;
      this.stats.firstUpdateMs ??= Math.round(performance.now() - (this.stats.firstTextAt ?? 0));
      return;
    }
    // Not repeated now: the next live update carries the whole text anyway, later for a rate limit.
    if (outcome.kind === 'qps')
      this.cadence.notBefore = performance.now() + (this.deps.retryDelaysMs[0] ?? 1000);
    if (outcome.retryable)
      this.deps.log.debug({ reason: outcome.reason, code: outcome.code }, 'card update skipped');
    else this.refuseStreaming(outcome);
  }

  /** Ends a full card at a safe cut and goes on in a new one, or spills when the budget has no card left. */
  private async continueInNewCard(card: Card, reserveChars = 0): Promise<void> {
    if (!canContinueInNewCard(this.spent())) {
      await this.spill(card, reserveChars);
      return;
    }
    const cut = this.cut(card, reserveChars);
    if (!(await this.endCard(card, cut.content, cut.part, FLOW_STATUS.finished, 2))) return;
    this.countUpdate();
    const created = await this.addCard(this.newCard(card.start + cut.part.length, cut.reopen));
    if (!created.ok) this.breakOff(created, 'could not continue the answer in a new AI card');
  }

  /** The last card the budget allows is full: it ends saying the answer goes on below, in markdown. */
  private async spill(card: Card, reserveChars: number): Promise<void> {
    const cut = this.cut(card, reserveChars + CONTINUED_BELOW.length + 2);
    if (!(await this.endCard(card, `${cut.content}\n\n${CONTINUED_BELOW}`, cut.part, FLOW_STATUS.finished)))
      return;
    this.phase = 'spilled';
    this.deps.log.info(
      { cards: this.cardList.length, calls: this.api.count },
      'the cards are full: the rest of the answer goes out as markdown',
    );
  }

  /** Ended cards cannot change: if the final answer differs from what they show, the rest goes out as markdown. */
  private async keepEndedCardsTrue(final: string): Promise<void> {
    const ended = this.cardList.slice(0, -1);
    if (final.startsWith(ended.map((card) => card.visible).join(''))) return;
    this.deps.log.warn('the final answer does not extend the text already in the cards');
    const card = this.openCard();
    await this.endCard(card, card.reopen + card.visible, card.visible, FLOW_STATUS.finished);
    this.phase = 'spilled';
  }

  /** Ends a card showing `content`, flow status FINISHED or FAILED; false (and spilled) when that failed. */
  private async endCard(
    card: Card,
    content: string,
    part: string,
    flowStatus: FlowStatus,
    callsAfter = 0,
  ): Promise<boolean> {
    const outcome = await this.api.end(card.outTrackId, content, flowStatus, callsAfter);
    if (outcome.ok) {
      card.visible = part;
      return true;
    }
    this.breakOff(outcome, 'could not end the AI card');
    return false;
  }

  // ── Small helpers ─────────────────────────────────────────────────────────────────────────────────────────

  private async addCard(card: Card): Promise<CardOutcome> {
    const outcome = await this.api.create(card.outTrackId);
    if (outcome.ok) this.cardList.push(card);
    return outcome;
  }

  private run(step: () => Promise<void>): void {
    this.inFlight = step()
      .catch((error: unknown) => {
        this.phase = 'spilled';
        this.deps.log.error({ type: (error as Error)?.name }, 'card update failed unexpectedly');
      })
      .finally(() => {
        this.inFlight = undefined;
        this.pump();
      });
  }

  private async settle(): Promise<void> {
    this.closing = true;
    await this.opening;
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight !== undefined) await this.inFlight;
  }

  private refuseStreaming(failure: CardFailure): void {
    if (this.phase === 'live') this.phase = 'quiet';
    this.stats.streamingRefused = true;
    this.report(failure, 'AI card streaming refused, the card gets the answer when it is complete');
  }

  private breakOff(failure: CardFailure, message: string): void {
    this.phase = 'spilled';
    this.report(failure, `${message}; the rest of the answer goes out as markdown`);
  }

  /** One warn line, unless the failure starts the app's cool-down (which says it once for every answer). */
  private report(failure: CardFailure, message: string): void {
    const { app, cooldown, log } = this.deps;
    if (cooldown.note(app.appKey, failure, log)) return;
    log.warn(
      {
        reason: failure.reason,
        code: failure.code,
        scope: failure.scope,
        setting: failure.setting,
        calls: this.api.count,
      },
      `${message}: ${describeCardFailure(failure)}`,
    );
  }

  private summarize(outcome: 'finished' | 'failed', delivered: boolean): void {
    const spilled = this.phase === 'spilled';
    this.phase = 'ended';
    this.deps.log.info(
      {
        cards: this.cardList.length,
        updates: this.cadence.updates,
        calls: this.api.count,
        firstUpdateMs: this.stats.firstUpdateMs,
        streaming: !this.stats.streamingRefused,
        spilled,
        outcome,
        delivered,
      },
      'answer cards done',
    );
  }

  private cut(card: Card, reserveChars: number): { content: string; part: string; reopen: string } {
    const { limits } = this.deps;
    const maxBytes = (limits.maxBytes ?? Number.POSITIVE_INFINITY) - reserveChars * 3;
    const body = this.bodyOf(card);
    const cut = cutCardText(body, { maxChars: limits.maxChars - reserveChars, maxBytes }, card.reopen.length);
    return { content: cut.content, part: body.slice(card.reopen.length, cut.consumed), reopen: cut.reopen };
  }

  private countUpdate(): void {
    this.cadence.updates += 1;
    this.cadence.lastAt = performance.now();
  }

  private newCard(start: number, reopen: string): Card {
    const index = this.cardList.length + 1;
    const outTrackId = index === 1 ? this.deps.baseId : `${this.deps.baseId}-${index}`;
    return { outTrackId, start, reopen, visible: '' };
  }

  private isOpen(): boolean {
    return this.phase === 'live' || this.phase === 'quiet';
  }

  /** The card being written: the last one, while the phase is live or quiet. */
  private openCard(): Card {
    const card = this.cardList.at(-1);
    if (card === undefined) throw new Error('no open card');
    return card;
  }

  private bodyOf(card: Card): string {
    return card.reopen + this.text.slice(card.start);
  }

  private hasNewText(card: Card): boolean {
    const part = this.text.slice(card.start);
    return part.trim() !== '' && part !== card.visible;
  }

  private shownText(): string {
    return this.cardList.map((card) => card.visible).join('');
  }

  private spent(): Spent {
    return { calls: this.api.count, cards: this.cardList.length };
  }
}

function commonPrefixLength(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let index = 0;
  while (index < max && a.charCodeAt(index) === b.charCodeAt(index)) index++;
  return index;
}
