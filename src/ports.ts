import type { Logger } from 'pino';

export type { Logger };

/** Milliseconds since the epoch; injected so tests can freeze time. */
export type Clock = () => number;

/** One stored question/answer exchange. */
export interface Turn {
  msgId: string;
  question: string;
  answer: string;
  /** When the exchange was saved (ms epoch). */
  at: number;
}

/** Per-conversation, per-sender history that survives instances and concurrent writers. */
export interface HistoryStore {
  /** The newest `maxTurns` turns since the last clear, oldest first. */
  load(key: string, maxTurns: number): Promise<Turn[]>;
  /** Stores one turn; never overwrites another writer's turn. */
  append(key: string, turn: Turn): Promise<void>;
  /** Empties the history: later loads return nothing older than this call. */
  clear(key: string): Promise<void>;
  /** Starts the listings a later clear of `key` needs, so they run alongside the message's other reads. */
  prepareClear?(key: string): void;
}

/** 单聊 (each message stands alone) or 串聊 (context kept). */
export type ChatMode = 'single' | 'chain';

/** Each sender's chosen mode; durable across instances, and concurrent changes are all kept, in order. */
export interface ModeStore {
  /** The sender's mode, or undefined when they never chose one (or reset): the configured default applies. */
  get(senderKey: string): Promise<ChatMode | undefined>;
  /** Records a choice; undefined returns the sender to the default. */
  set(senderKey: string, mode: ChatMode | undefined): Promise<void>;
}

/** Where an answer goes: everything needed for the session webhook and the OpenAPI fallback. */
export interface DeliveryTarget {
  sessionWebhook: string;
  sessionWebhookExpiredTime: number;
  conversationType: 'single' | 'group';
  conversationId: string;
  senderStaffId?: string | undefined;
  senderNick: string;
  robotCode?: string | undefined;
}

/** An answer streamed into DingTalk AI cards as the model writes it. */
export interface StreamingAnswer {
  /**
   * Creates and delivers the first card (flow status INPUTING, empty content). Resolves false when cards cannot
   * be used for this answer (no permission, bad template, quota, QPS, network), after one warn line naming the
   * missing permission or setting: the caller then posts the plain markdown answer instead.
   */
  open(): Promise<boolean>;
  /**
   * The whole answer so far (not a delta); each call must extend the previous text. May be called before open()
   * resolves and on every token: updates are coalesced, one request in flight at a time, strictly in order.
   */
  update(text: string): void;
  /**
   * The complete answer: the card gets it with its flow status FINISHED. `deliveredChars`: the first that many
   * characters of `text` are in the user's cards. When `delivered` is false the caller posts the rest as markdown
   * (reopening a code block the cards closed: see reopenFenceAfter), or all of `text`, accepting a repeat. That
   * happens when an answer is longer than its cards can hold within the call budget, or a card broke part-way.
   */
  finish(text: string): Promise<{ delivered: boolean; deliveredChars: number }>;
  /**
   * Ends the card(s) on an error or timeout: the text so far (if any) plus the notice, flow status FAILED ("5"),
   * never left loading. `delivered` false: the user did not get the notice in a card, so
   * the caller posts it as markdown.
   */
  fail(notice: string): Promise<{ delivered: boolean }>;
  /** DingTalk OpenAPI calls this answer cost so far, token fetches included. */
  readonly calls: number;
}

/** Outcome of delivering one answer (all of its parts). */
export interface DeliveryResult {
  delivered: boolean;
  parts: number;
  /** Channel used for each delivered part, in order. */
  via: Array<'webhook' | 'openapi'>;
  /** Short machine-readable reason when not delivered; never contains a URL or secret. */
  reason?: string;
}

/** Posts an answer to DingTalk: split, in order, webhook first, OpenAPI when the webhook has expired. */
export interface AnswerDelivery {
  deliver(target: DeliveryTarget, markdown: string, log: Logger): Promise<DeliveryResult>;
}
