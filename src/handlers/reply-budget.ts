/**
 * Time the reply function needs besides the chat API: history I/O and posting every part of an answer (each
 * DingTalk call has a 10 s timeout, with back-off between attempts). s.yaml's reply timeout must cover
 * LLM_TIMEOUT plus this; a test checks it.
 */
export const DELIVERY_BUDGET_MS = 60_000;

/**
 * How long a claimed message belongs to the attempt that claimed it. After that the attempt is taken to have
 * died (FC killed it at its timeout) and a retry may answer, provided it never started posting.
 */
export function replyLeaseMs(llmTimeoutMs: number): number {
  return llmTimeoutMs + DELIVERY_BUDGET_MS;
}
