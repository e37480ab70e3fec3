/** OK, FAIL, or SKIP when the check cannot run here (the line says why). */
export type CheckStatus = 'OK' | 'FAIL' | 'SKIP';

/** One line of the doctor's report; `detail` must never hold a secret value. */
export interface CheckResult {
  status: CheckStatus;
  name: string;
  detail?: string;
}

/** `FAIL  name — detail`, statuses padded so the names line up. */
export function formatCheckLine(result: CheckResult): string {
  return `${result.status.padEnd(5)} ${result.name}${result.detail ? ` — ${result.detail}` : ''}`;
}
