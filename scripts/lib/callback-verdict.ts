/** How a smoke-test callback ended. */
export type CallbackOutcome =
  | { kind: 'response'; status: number; body: string }
  | { kind: 'timeout' }
  | { kind: 'unreachable'; code: string | undefined };

/** A one-line verdict with the likely fix; `ok` only for HTTP 200. */
export interface CallbackVerdict {
  ok: boolean;
  verdict: string;
}

// Where a deployed function's log lines are: s.yaml's `logConfig: auto` keeps them in SLS, shown per function in
// the FC console (README: 查看日志 / Logs).
const CONVERSATION_LOGS = "the conversation function's logs (FC console → 函数 → the function → 日志)";

/** Turns the conversation function's answer (or the lack of one) into a verdict naming the likely fix. */
export function judgeCallback(outcome: CallbackOutcome, target: string): CallbackVerdict {
  if (outcome.kind === 'timeout') {
    return fail(`no answer within 15 s from ${target}: check --url, then ${CONVERSATION_LOGS}`);
  }
  if (outcome.kind === 'unreachable') {
    return fail(
      `could not reach ${target}${outcome.code ? ` (${outcome.code})` : ''}: check --url (the HTTP trigger address ` +
        'that s deploy / s info prints), DNS and your network or proxy',
    );
  }
  const { status } = outcome;
  const error = readError(outcome.body);
  if (status === 200) return { ok: true, verdict: 'OK: the signature was accepted and the reply was queued' };
  if (status === 401) {
    return fail(
      "HTTP 401, signature rejected: the secret is not this robot's AppSecret (DINGTALK_APP_SECRET on the function " +
        "must hold it), or this machine's clock is more than an hour off (the reason in the conversation function's " +
        'logs: sign_mismatch or stale_timestamp)',
    );
  }
  if (status === 400 && error === 'sessionWebhook not allowed') {
    return fail(
      'HTTP 400: the sessionWebhook is not a DingTalk session webhook (<origin>/robot/sendBySession?session=…) on ' +
        "one of the function's DINGTALK_WEBHOOK_ORIGINS: add the origin there, or leave out --webhook",
    );
  }
  if (status === 400 && error === 'createAt out of range') {
    return fail(
      "HTTP 400: createAt is more than a day away from the function's clock: check this machine's clock",
    );
  }
  if (status === 400) {
    return fail(
      `HTTP 400${error ? ` (${error})` : ''}: the function rejected the payload: check DINGTALK_WEBHOOK_ORIGINS and ` +
        `the 'rejected callback' line in ${CONVERSATION_LOGS}`,
    );
  }
  if (status === 500 && error === 'connector misconfigured') {
    return fail(
      "HTTP 500: the function's configuration is invalid: the line 'configuration invalid' in " +
        `${CONVERSATION_LOGS} names the variables to set`,
    );
  }
  if (status === 503) {
    return fail(
      "HTTP 503: conversation could not invoke reply: check the role's fc:InvokeFunction permission (npm run policy) " +
        `and REPLY_FUNCTION_NAME, then ${CONVERSATION_LOGS}`,
    );
  }
  if (status >= 500) return fail(`HTTP ${status}: the function failed: see ${CONVERSATION_LOGS}`);
  return fail(`unexpected HTTP ${status}: is --url the conversation function's HTTP trigger address?`);
}

function fail(verdict: string): CallbackVerdict {
  return { ok: false, verdict: `FAIL: ${verdict}` };
}

/** The `error` field of the function's JSON answer, if it has one. */
function readError(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}
