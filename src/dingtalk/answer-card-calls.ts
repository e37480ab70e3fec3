import type { Logger } from '../ports';
import type { AnswerCardSettings } from './answer-card';
import { canAttempt } from './card-budget';
import type { CardClient, CardFailure, CardOutcome } from './card-client';
import type { CardSpace } from './card-space';
import { FLOW_STATUS, type FlowStatus, initialCardParams } from './card-template';
import type { CallContext, DingTalkApp } from './openapi-client';

/** The card calls of one answer: each counted (token fetches included), retried only within the budget. */
export class AnswerCardCalls {
  /** OpenAPI calls made so far. */
  count = 0;
  private readonly context: CallContext;

  constructor(
    private readonly deps: {
      cards: CardClient;
      app: DingTalkApp;
      space: CardSpace;
      settings: AnswerCardSettings;
      retryDelaysMs: number[];
      log: Logger;
    },
  ) {
    this.context = {
      log: deps.log,
      onCall: () => {
        this.count += 1;
      },
    };
  }

  /** Creates a card (empty, flow status INPUTING) and delivers it; a refused attempt is repeated, a timed-out one not. */
  create(outTrackId: string): Promise<CardOutcome> {
    const { cards, app, settings, space } = this.deps;
    const params = initialCardParams(settings.templateId, settings.contentKey, FLOW_STATUS.inputting);
    const request = { outTrackId, templateId: settings.templateId, params, space };
    // One that timed out may have made the card: repeating it would fail on the outTrackId.
    return this.withRetries(
      () => cards.createAndDeliver(app, request, this.context),
      1,
      (failure) => failure.kind === 'qps' || failure.kind === 'unreachable',
    );
  }

  /** A live update: the card's whole text so far (single attempt). */
  stream(outTrackId: string, content: string): Promise<CardOutcome> {
    const { cards, app, settings } = this.deps;
    const update = { outTrackId, key: settings.contentKey, content, isFinalize: false, isError: false };
    return cards.stream(app, update, this.context);
  }

  /**
   * Sets the text and the flow status in one instance update, as DingTalk's own card SDK ends its AI cards
   * (ai_finish, ai_fail): no separate streaming "finalize" call. Retried while `callsAfter` calls stay affordable.
   */
  end(outTrackId: string, content: string, flowStatus: FlowStatus, callsAfter: number): Promise<CardOutcome> {
    const { cards, app, settings } = this.deps;
    const params = { [settings.contentKey]: content, flowStatus };
    return this.withRetries(
      () => cards.updateInstance(app, { outTrackId, params }, this.context),
      callsAfter,
      (failure) => failure.retryable,
    );
  }

  private async withRetries(
    send: () => Promise<CardOutcome>,
    callsAfter: number,
    repeatable: (failure: CardFailure) => boolean,
  ): Promise<CardOutcome> {
    let outcome = await send();
    for (const delayMs of this.deps.retryDelaysMs) {
      if (outcome.ok || !repeatable(outcome) || !canAttempt(this.count, callsAfter)) break;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      outcome = await send();
    }
    return outcome;
  }
}
