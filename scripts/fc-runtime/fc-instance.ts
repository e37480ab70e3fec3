import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { stageCode } from './staged-code';

/** The FC context handed to a handler. */
export interface InvokeContext {
  requestId: string;
  credentials?: { accessKeyId: string; accessKeySecret: string; securityToken?: string } | undefined;
  function: { name: string };
  region: string;
  accountId: string;
}

export interface InvocationResult {
  result?: unknown;
  error?: string;
  durationMs: number;
  /** CPU time the instance process used during the invocation (ms, user + system). */
  cpuMs?: number;
  rssBytes?: number;
  /** The instance process's peak resident memory so far (bytes). */
  maxRssBytes?: number;
}

/** A running emulated FC instance of one built function. */
export interface FcInstance {
  readonly loadMs: number;
  /** Resident memory right after the bundle loaded, before any invocation (bytes). */
  readonly readyRssBytes: number;
  /** Peak resident memory of the instance process at that point (bytes). */
  readonly readyMaxRssBytes: number;
  invoke(event: Buffer, context?: Partial<InvokeContext>): Promise<InvocationResult>;
  /** Every JSON log line the instance has written to stdout so far (after a flush barrier). */
  logs(): Promise<Array<Record<string, unknown>>>;
  /** Raw stdout so far, for secret scans. */
  rawOutput(): Promise<string>;
  stop(): Promise<void>;
}

const HOST = join(__dirname, 'instance-host.cjs');

/** Starts a process that loads `dist/<fn>/index.js` with exactly `env` as its environment, as FC would. */
export async function startFcInstance(options: {
  bundle: string;
  env: Record<string, string>;
  defaults?: Partial<InvokeContext>;
  /** Called for every JSON log line as the instance writes it (FC ships these to its log store). */
  onLog?: (line: Record<string, unknown>) => void;
}): Promise<FcInstance> {
  const code = stageCode(options.bundle);
  const child: ChildProcess = fork(HOST, [code], {
    cwd: dirname(code),
    // A plain node, as FC's runtime is: not the loaders of whatever runs this (tsx, vitest), which would add
    // their own load time and memory to the instance's.
    execArgv: [],
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  let errors = '';
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    if (!options.onLog) return;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        options.onLog(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    errors += chunk;
  });
  const pending = new Map<string, (result: InvocationResult) => void>();
  const ready = new Promise<{ loadMs: number; rssBytes: number; maxRssBytes: number }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`instance exited with ${code} before ready: ${errors}`)));
    child.on('message', (message: { type: string; id?: string; loadMs?: number } & InvocationResult) => {
      if (message.type === 'ready') {
        resolve({
          loadMs: message.loadMs ?? 0,
          rssBytes: message.rssBytes ?? 0,
          maxRssBytes: message.maxRssBytes ?? 0,
        });
      }
      if (message.type === 'result' && message.id) {
        pending.get(message.id)?.(message);
        pending.delete(message.id);
      }
    });
  });
  const { loadMs, rssBytes: readyRssBytes, maxRssBytes: readyMaxRssBytes } = await ready;

  const flush = async (): Promise<void> => {
    const marker = `__flush_${randomUUID()}__`;
    child.send({ type: 'flush', marker });
    while (!output.includes(marker)) await new Promise((resolve) => setTimeout(resolve, 5));
    output = output.replace(`\n${marker}\n`, '');
  };

  return {
    loadMs,
    readyRssBytes,
    readyMaxRssBytes,
    invoke(event, context = {}) {
      const id = randomUUID();
      const fullContext: InvokeContext = {
        requestId: randomUUID(),
        function: { name: 'fn' },
        region: 'cn-hangzhou',
        accountId: '1234567890123456',
        ...options.defaults,
        ...context,
      };
      return new Promise((resolve) => {
        pending.set(id, resolve);
        child.send({ type: 'invoke', id, event: event.toString('base64'), context: fullContext });
      });
    },
    async logs() {
      await flush();
      return output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    async rawOutput() {
      await flush();
      return output + errors;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    },
  };
}
