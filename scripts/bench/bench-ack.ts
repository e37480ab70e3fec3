import { fork } from 'node:child_process';
import { join } from 'node:path';
import { startFcInvokeApi } from '../emulators/fc-invoke-api';
import type { AckWorkerReport } from './ack-worker';
import { BENCH_ACCOUNT_ID, BENCH_ROLE, buildConversationEnv } from './bench-connector';
import type { LatencySummary } from './percentiles';
import { summarizeLatencies } from './percentiles';

const WEBHOOK_ORIGIN = 'https://oapi.dingtalk.com';

/**
 * ack_ms: the conversation handler's time from event to response, in-process, the async invoke of reply
 * included (FC's invoke API stand-in runs in this process, on loopback). `count` signed callbacks after `warmup`.
 */
export async function measureAck(options: { count: number; warmup: number }): Promise<LatencySummary> {
  const fc = await startFcInvokeApi({ accountId: BENCH_ACCOUNT_ID, credentials: BENCH_ROLE });
  try {
    const child = fork(
      join(__dirname, 'ack-worker.ts'),
      [String(options.count), String(options.warmup), WEBHOOK_ORIGIN],
      {
        env: { PATH: process.env.PATH ?? '', ...buildConversationEnv(fc.url, WEBHOOK_ORIGIN) },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      },
    );
    child.stdout?.resume();
    let errors = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      errors += chunk;
    });
    const report = await new Promise<AckWorkerReport>((resolve, reject) => {
      child.once('message', (message) => resolve(message as AckWorkerReport));
      child.once('exit', (code) => reject(new Error(`ack worker exited with ${code}: ${errors.trim()}`)));
    });
    const accepted = report.statusCodes['200'] ?? 0;
    if (accepted !== options.count || fc.invocations.length !== options.count + options.warmup) {
      throw new Error(
        `ack: expected ${options.count} accepted callbacks, got ${JSON.stringify(report.statusCodes)} and ${fc.invocations.length} invocations`,
      );
    }
    return summarizeLatencies(report.durationsMs);
  } finally {
    await fc.close();
  }
}
