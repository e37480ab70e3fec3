// Child process for the cross-process tests. Usage:
//   node --import tsx storage-worker.ts append <dir> <key> <workerId> <count>
//   node --import tsx storage-worker.ts clear <dir> <key> <times>
//   node --import tsx storage-worker.ts claim <dir> <msgId> <createAt>
//   node --import tsx storage-worker.ts mode <dir> <senderKey> <single|chain> <count>
//   node --import tsx storage-worker.ts take <dir> <userKey> <workerId> <count> <max> <nowMs>
//   node --import tsx storage-worker.ts usage <dir> <workerId> <count> <nowMs>
//   node --import tsx storage-worker.ts remember <dir> <workerId> <count>
// Prints "ready", waits for one line on stdin so all workers start together, then prints a JSON result.
import { once } from 'node:events';
import pino from 'pino';
import { createFileHistoryStore } from '../../../src/storage/file-history-store';
import { createFileModeStore } from '../../../src/storage/file-mode-store';
import { createFileQuotaStore } from '../../../src/storage/file-quota-store';
import { createFileUsageStore } from '../../../src/storage/file-usage-store';
import { createFileUserIndex } from '../../../src/storage/file-user-index';
import { historyKey } from '../../../src/storage/history-key';
import { createProcessedStore } from '../../../src/storage/processed-store';

const [mode, dir = '', ...rest] = process.argv.slice(2);
const logger = pino({ level: 'warn' }, pino.destination(2));

async function run(): Promise<unknown> {
  if (mode === 'append') {
    const [key = '', workerId = '', count = '0'] = rest;
    const store = createFileHistoryStore({ dir, logger });
    for (let i = 0; i < Number(count); i += 1) {
      await store.append(key, {
        msgId: `${workerId}-${i}`,
        question: `q${i}`,
        answer: `a${i}`,
        at: Date.now(),
      });
    }
    return { appended: Number(count) };
  }
  if (mode === 'clear') {
    const [key = '', times = '0'] = rest;
    const store = createFileHistoryStore({ dir, logger });
    for (let i = 0; i < Number(times); i += 1) {
      await store.clear(key);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return { cleared: Number(times) };
  }
  if (mode === 'claim') {
    const [msgId = ''] = rest;
    const store = createProcessedStore({ dir, logger, clock: Date.now, leaseMs: 60_000 });
    const result = await store.claim(msgId);
    return result.claimed ? { claimed: true } : result;
  }
  if (mode === 'mode') {
    const [senderKey = '', chosen = 'chain', count = '1'] = rest;
    const store = createFileModeStore({ dir, logger });
    for (let i = 0; i < Number(count); i += 1)
      await store.set(senderKey, chosen === 'single' ? 'single' : 'chain');
    return { set: Number(count) };
  }
  if (mode === 'take') {
    const [userKey = '', workerId = '', count = '0', max = '1', nowMs = '0'] = rest;
    const store = createFileQuotaStore({
      dir,
      logger,
      clock: () => Number(nowMs),
      timeZone: 'Asia/Shanghai',
    });
    let allowed = 0;
    for (let i = 0; i < Number(count); i += 1) {
      if ((await store.take(userKey, Number(max), `${workerId}-${i}`)).allowed) allowed += 1;
    }
    return { allowed };
  }
  if (mode === 'usage') {
    const [workerId = '', count = '0', nowMs = '0'] = rest;
    const store = createFileUsageStore({
      dir,
      logger,
      clock: () => Number(nowMs),
      timeZone: 'Asia/Shanghai',
    });
    for (let i = 0; i < Number(count); i += 1) {
      // Two users shared by all workers, so their totals are written from every process at once.
      const user = i % 2 === 0 ? 'alice' : 'bob';
      await store.record({
        userKey: `staff-${user}`,
        staffId: user,
        nick: user,
        promptTokens: i + 1,
        completionTokens: 2 * (i + 1),
        msgId: `${workerId}-${i}`,
      });
    }
    return { recorded: Number(count) };
  }
  if (mode === 'remember') {
    const [workerId = '', count = '0'] = rest;
    const index = createFileUserIndex({ dir, logger });
    for (let i = 0; i < Number(count); i += 1) {
      // Everyone remembers the same shared key, and each worker its own keys, for one user.
      await index.remember({ staffId: 'staff-1', senderId: 's1', nick: '小明' }, historyKey(['shared']));
      await index.remember(
        { staffId: 'staff-1', senderId: 's1', nick: '小明' },
        historyKey([workerId, `${i}`]),
      );
    }
    return { remembered: Number(count) };
  }
  throw new Error(`unknown mode ${mode}`);
}

async function main(): Promise<void> {
  process.stdout.write('ready\n');
  await once(process.stdin, 'data');
  process.stdin.pause();
  process.stdout.write(`${JSON.stringify(await run())}\n`);
}

// No top-level await: tsx loads this file as CommonJS (the package has no "type": "module").
void main();
