// Child process of bench-ack: loads the conversation bundle into this very process, as FC's runtime does, and
// times `await handler(event, context)` for each callback. Its stdout (the function's log lines, written
// synchronously as on FC) goes to a pipe the parent drains, so logging is paid for but not printed.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { BENCH_ACCOUNT_ID, BENCH_APP_SECRET, BENCH_ROLE, bundlePath } from './bench-connector';
import { buildSignedCallbackEvent } from './signed-callback';

type Handler = (event: Buffer, context: unknown) => Promise<{ statusCode: number }>;

/** What the worker reports to its parent over IPC. */
export interface AckWorkerReport {
  durationsMs: number[];
  statusCodes: Record<string, number>;
}

async function main(): Promise<void> {
  const [countArg = '0', warmupArg = '0', webhookOrigin = ''] = process.argv.slice(2);
  const count = Number(countArg);
  const warmup = Number(warmupArg);
  // Signing is DingTalk's work, not the handler's: every event is built before the clock starts.
  const events = Array.from(
    { length: warmup + count },
    (_, i) =>
      buildSignedCallbackEvent({
        text: `确认耗时测试 ${i}`,
        sessionWebhook: `${webhookOrigin}/robot/sendBySession?session=ack${i.toString(16).padStart(8, '0')}`,
        staffId: `ack-user-${i % 50}`,
        secret: BENCH_APP_SECRET,
      }).event,
  );
  const { handler } = createRequire(__filename)(bundlePath('conversation')) as { handler: Handler };
  const durationsMs: number[] = [];
  const statusCodes: Record<string, number> = {};
  for (const [index, event] of events.entries()) {
    const context = {
      requestId: `ack-${index}`,
      credentials: BENCH_ROLE,
      function: { name: 'dingtalk-conversation' },
      region: 'cn-hangzhou',
      accountId: BENCH_ACCOUNT_ID,
    };
    const started = performance.now();
    const response = await handler(event, context);
    const elapsed = performance.now() - started;
    if (index < warmup) continue;
    durationsMs.push(elapsed);
    statusCodes[response.statusCode] = (statusCodes[response.statusCode] ?? 0) + 1;
  }
  const report: AckWorkerReport = { durationsMs, statusCodes };
  process.send?.(report, () => process.exit(0));
}

void main().catch((error: unknown) => {
  process.stderr.write(`ack worker failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
