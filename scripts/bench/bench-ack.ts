import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { AckWorkerReport } from './ack-worker';
import { buildConversationEnv } from './bench-connector';
import type { FcApiProcessMessage } from './fc-api-process';
import type { LatencySummary } from './percentiles';
import { summarizeLatencies } from './percentiles';

const WEBHOOK_ORIGIN = 'https://oapi.dingtalk.com';

/**
 * ack_ms: the conversation handler's time from event to response, in-process, the async invoke of reply
 * included (FC's invoke API stand-in runs in a process of its own, on loopback). `count` signed callbacks after
 * `warmup`.
 */
export async function measureAck(options: { count: number; warmup: number }): Promise<LatencySummary> {
  // The stand-in plays a remote service: its optimising compiler is capped as conversation's is, so its own
  // background compiles do not land in our figure (README, performance).
  const fc = fork(join(__dirname, 'fc-api-process.ts'), [], {
    execArgv: [...process.execArgv, '--max-opt=1'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const ready = await nextMessage(fc);
    if (!('url' in ready)) throw new Error('ack: the FC stand-in did not report its URL');
    const report = await runWorker(ready.url, options);
    fc.send('counts');
    const counts = await nextMessage(fc);
    const accepted = report.statusCodes['200'] ?? 0;
    const invocations = 'invocations' in counts ? counts.invocations : -1;
    if (accepted !== options.count || invocations !== options.count + options.warmup) {
      throw new Error(
        `ack: expected ${options.count} accepted callbacks, got ${JSON.stringify(report.statusCodes)} and ${invocations} invocations`,
      );
    }
    return summarizeLatencies(report.durationsMs);
  } finally {
    fc.disconnect();
  }
}

async function runWorker(
  fcUrl: string,
  options: { count: number; warmup: number },
): Promise<AckWorkerReport> {
  const child = fork(
    join(__dirname, 'ack-worker.ts'),
    [String(options.count), String(options.warmup), WEBHOOK_ORIGIN],
    {
      env: { PATH: process.env.PATH ?? '', ...buildConversationEnv(fcUrl, WEBHOOK_ORIGIN) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  child.stdout?.resume();
  let errors = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    errors += chunk;
  });
  return new Promise<AckWorkerReport>((resolve, reject) => {
    child.once('message', (message) => resolve(message as AckWorkerReport));
    child.once('exit', (code) => reject(new Error(`ack worker exited with ${code}: ${errors.trim()}`)));
  });
}

function nextMessage(child: ChildProcess): Promise<FcApiProcessMessage> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`ack: the FC stand-in exited with ${code}`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as FcApiProcessMessage);
    });
  });
}
