/** Why the chat API gave no answer, in terms the user-facing notice and the log need. */
export type ChatFailureKind =
  | 'timeout'
  | 'rate_limited'
  | 'unavailable'
  | 'auth'
  | 'context_too_long'
  | 'rejected'
  | 'empty';

/** A chat API failure; the message carries only a status and code, never the key, URL or prompt. */
export class ChatFailure extends Error {
  readonly kind: ChatFailureKind;
  readonly status: number | undefined;

  constructor(kind: ChatFailureKind, detail: string, status?: number) {
    super(`chat API ${kind}: ${detail}`);
    this.name = 'ChatFailure';
    this.kind = kind;
    this.status = status;
  }
}
