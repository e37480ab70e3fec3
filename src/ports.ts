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
  /** Creates and delivers the card; false when cards cannot be used for this answer (the caller posts markdown). */
  open(): Promise<boolean>;
  /** The whole answer so far; coalesced into quota-friendly updates. */
  update(text: string): void;
  /** Finalizes with the complete answer; `deliveredChars` tells how much reached the user if the cards broke. */
  finish(text: string): Promise<{ delivered: boolean; deliveredChars: number }>;
  /** Finalizes with an error notice below whatever text was shown, so no card is left loading; `delivered` false: post the notice another way. */
  fail(notice: string): Promise<{ delivered: boolean }>;
  /** DingTalk OpenAPI calls this answer cost, token fetches included. */
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
