import { parseArgs } from 'node:util';
import { readEnv } from '../src/config/read-env';
import { buildCallback, buildCallbackHeaders, fakeSessionWebhook } from './lib/build-callback';
import type { CallbackOutcome } from './lib/callback-verdict';
import { judgeCallback } from './lib/callback-verdict';

const USAGE = `Sends a signed DingTalk robot callback to the conversation function and tells what the answer means.

Usage: npm run callback -- --url <conversation URL> [--secret <AppSecret>] [--text 你好] [options]

  --url <url>         the conversation function's HTTP trigger address (s deploy / s info print it)
  --secret <secret>   the robot's AppSecret; default: the first item of $DINGTALK_APP_SECRET
  --text <text>       what the user says (default: 你好)
  --group             send a group @-mention (conversationType "2", text with DingTalk's leading space)
  --webhook <url>     sessionWebhook for the answer; default: a placeholder session DingTalk does not know
  --staff-id <id>     senderStaffId (default: smoketest0001)
  --nick <name>       senderNick (default: 冒烟测试)
  --json              print one JSON object instead of text
  --help              show this help

Exit code 0 only when the function answers HTTP 200.`;

const TIMEOUT_MS = 15_000;

async function main(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    // Node's message names the option; a stray positional could be a secret typed in the wrong place.
    const code = (error as { code?: string }).code;
    const message =
      code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'
        ? 'unexpected argument (values go right after their option, e.g. --text 你好)'
        : (error as Error).message;
    return usageError(message);
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const url = parseHttpUrl(values.url);
  if (!url) return usageError('--url must be the http(s) address of the conversation HTTP trigger');
  const secret = values.secret ?? readEnv(process.env, ['DINGTALK_APP_SECRET'])?.value.split(',')[0]?.trim();
  if (!secret) return usageError('pass --secret, or set DINGTALK_APP_SECRET');

  const now = Date.now();
  const body = buildCallback({
    text: values.text ?? '你好',
    group: values.group === true,
    sessionWebhook: values.webhook ?? fakeSessionWebhook(now),
    staffId: values['staff-id'] ?? 'smoketest0001',
    nick: values.nick ?? '冒烟测试',
    now,
  });
  const target = `${url.origin}${url.pathname}`;
  if (!values.json) {
    console.log(
      `POST ${target}: a signed ${values.group ? 'group @-mention' : 'direct message'}, msgId ${body.msgId}`,
    );
  }

  const startedAt = performance.now();
  const outcome = await send(url, buildCallbackHeaders(secret, String(now)), JSON.stringify(body));
  const latencyMs = Math.round(performance.now() - startedAt);
  const { ok, verdict } = judgeCallback(outcome, target);
  const responseBody = outcome.kind === 'response' ? outcome.body.slice(0, 2000) : undefined;
  const note = ok ? webhookNote(values.webhook !== undefined) : undefined;

  if (values.json) {
    const status = outcome.kind === 'response' ? outcome.status : null;
    console.log(
      JSON.stringify({ ok, status, latencyMs, body: responseBody ?? null, verdict, msgId: body.msgId, note }),
    );
  } else {
    if (outcome.kind === 'response') {
      console.log(`HTTP ${outcome.status} in ${latencyMs} ms`);
      console.log(`Response body: ${responseBody === '' ? '(empty)' : responseBody}`);
    } else {
      console.log(`No HTTP answer after ${latencyMs} ms`);
    }
    console.log(verdict);
    if (note) console.log(note);
  }
  return ok ? 0 : 1;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      url: { type: 'string' },
      secret: { type: 'string' },
      text: { type: 'string' },
      group: { type: 'boolean' },
      webhook: { type: 'string' },
      'staff-id': { type: 'string' },
      nick: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function send(url: URL, headers: Record<string, string>, body: string): Promise<CallbackOutcome> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    return { kind: 'response', status: response.status, body: await response.text() };
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return { kind: 'timeout' };
    // Only the error code: undici's messages and causes may carry the request URL.
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    if (typeof cause?.code === 'string') return { kind: 'unreachable', code: cause.code };
    const message = typeof cause?.message === 'string' ? cause.message : '';
    return { kind: 'unreachable', code: /^[\w .-]{1,40}$/.test(message) ? message : undefined };
  }
}

function webhookNote(customWebhook: boolean): string {
  if (customWebhook) return 'The answer goes to the --webhook you gave once the reply function has run.';
  return (
    'Note: the sessionWebhook is a placeholder, not a real session. The reply function still asks the chat API, ' +
    "then logs 'send failed' with errcode 300001 (session not found) and 'answer not delivered'. That is expected " +
    'and proves the whole path ran; pass --webhook to have the answer delivered (e.g. to a playground).'
  );
}

function parseHttpUrl(raw: string | undefined): URL | undefined {
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

function usageError(message: string): number {
  console.error(`error: ${message}\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`callback failed: ${(error as Error).name}`);
    process.exitCode = 1;
  },
);
