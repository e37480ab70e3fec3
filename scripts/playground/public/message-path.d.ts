/** One step of a message's path: its text, `status` error/warn (ok when absent), and a tooltip. */
export interface PathStep {
  text: string;
  status?: 'error' | 'warn';
  title?: string;
}

/** What the page knows about one message: its acknowledgement, invoke, log lines and end. */
export interface PathRecord {
  msgId?: string;
  ack?: { status: number; ackMs: number };
  invoke?: { api?: string; taskId?: string; functionName?: string };
  duplicate?: { taskId?: string };
  traces: Array<{ msg?: string; fn?: string; level?: string | number; fields?: Record<string, unknown> }>;
  done?: { outcome: string; durationMs: number };
}

/** A duration as the path shows it. */
export function formatMs(ms: unknown): string;

/** Whether a log line's level is error or worse (pino numbers or names). */
export function isErrorLevel(level: unknown): boolean;

/** A delivery failure reason code (webhook_errcode_300001, openapi_http_403, …) in Chinese. */
export function describeDeliveryReason(reason: unknown): string;

/** The steps of one message's path, as far as the events so far tell. */
export function describePath(record: PathRecord): { steps: PathStep[]; pending: boolean };
