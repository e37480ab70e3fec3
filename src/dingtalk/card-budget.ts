// What one answer may spend on AI cards, and when its live updates go. Every card call is a billed OpenAPI call
// (free tier about 5 000 a month, dingtalk.md §6), so the budget holds for any answer length.

/** OpenAPI calls of one answer, all told: token, cards, live updates, ends and retries. */
export const MAX_CALLS_PER_ANSWER = 20;
/** Cards of one answer; what does not fit in them goes out as markdown through the session webhook (free). */
export const MAX_CARDS_PER_ANSWER = 3;
// Kept for retries of a rate-limited end or create, or a token fetched again after a 401.
const RETRY_RESERVE = 2;
// Live updates: each gap 1.25× the one before, from CARD_UPDATE_MS, so their number grows with the log of the
// answer's duration; and no more than the text has earned: 2, plus one per 150 characters.
const GAP_GROWTH = 1.25;
const FREE_UPDATES = 2;
const CHARS_PER_UPDATE = 150;

/** What an answer has spent so far. */
export interface Spent {
  calls: number;
  /** Cards created (the open one included). */
  cards: number;
}

/** Calls that must stay free after the next one: ending the open card, one more card while allowed, retries. */
function reserved(cards: number): number {
  const anotherCard = cards < MAX_CARDS_PER_ANSWER ? 2 : 0;
  return 1 + anotherCard + RETRY_RESERVE;
}

/** Whether a live update still leaves every promised call affordable. */
export function canSendLiveUpdate(spent: Spent): boolean {
  return spent.calls + 1 + reserved(spent.cards) <= MAX_CALLS_PER_ANSWER;
}

/** Whether a full card may be ended and followed by another (ending it, creating and ending the next, retries). */
export function canContinueInNewCard(spent: Spent): boolean {
  return spent.cards < MAX_CARDS_PER_ANSWER && spent.calls + 3 + RETRY_RESERVE <= MAX_CALLS_PER_ANSWER;
}

/** Whether one more attempt of a call still leaves `after` calls for what must follow it. */
export function canAttempt(calls: number, after: number): boolean {
  return calls + 1 + after <= MAX_CALLS_PER_ANSWER;
}

/** The live-update cadence of one answer. */
export interface Cadence {
  /** Live updates sent so far (card changes count: they show text too). */
  updates: number;
  /** performance.now() of the last one; undefined before the first. */
  lastAt: number | undefined;
  /** CARD_UPDATE_MS: the first gap, and the floor of every gap. */
  floorMs: number;
  /** After a rate limit: no live update before this performance.now(). */
  notBefore?: number;
}

/**
 * Milliseconds until the next live update may go (0: now; the first always goes at once), or undefined while the
 * text has not earned another one (asked again when it grows).
 */
export function waitForNextUpdate(cadence: Cadence, textLength: number, now: number): number | undefined {
  if (cadence.updates >= FREE_UPDATES + Math.floor(textLength / CHARS_PER_UPDATE)) return undefined;
  const backOffMs = (cadence.notBefore ?? 0) - now;
  if (cadence.lastAt === undefined) return Math.max(0, backOffMs);
  const gapMs = cadence.floorMs * GAP_GROWTH ** Math.max(0, cadence.updates - 1);
  return Math.max(0, cadence.lastAt + gapMs - now, backOffMs);
}
