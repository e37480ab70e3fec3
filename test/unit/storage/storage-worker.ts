// Child process for the cross-process tests, run on the emulated OSS mount (scripts/emulators/oss-mount.cjs,
// preloaded by the test). Usage:
//   node --import tsx storage-worker.ts append <dir> <key> <workerId> <count>
//   node --import tsx storage-worker.ts clear <dir> <key> <times>
//   node --import tsx storage-worker.ts claim <dir> <workerId> <msgId>...
//   node --import tsx storage-worker.ts mode <dir> <senderKey> <single|chain> <count>
//   node --import tsx storage-worker.ts take <dir> <userKey> <workerId> <count> <max>
//   node --import tsx storage-worker.ts usage <dir> <workerId> <count> <nowMs>
//   node --import tsx storage-worker.ts remember <dir> <workerId> <count>
//   node --import tsx storage-worker.ts create <dir> <path>
// Prints "ready", waits for one line on stdin so all workers start together, then prints a JSON result.
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { createFileHistoryStore } from '../../../src/storage/file-history-store';
import { createFileModeStore } from '../../../src/storage/file-mode-store';
import { createFileQuotaStore } from '../../../src/storage/file-quota-store';
import { createFileUsageStore } from '../../../src/storage/file-usage-store';
import { createFileUserIndex } from '../../../src/storage/file-user-index';
import { historyKey } from '../../../src/storage/history-key';
import { createNodeVolume } from '../../../src/storage/node-volume';
import { createProcessedStore } from '../../../src/storage/processed-store';

const [mode, dir = '', ...rest] = process.argv.slice(2);
const logger = pino({ level: 'warn' }, pino.destination(2));
const volume = createNodeVolume(dir);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(): Promise<unknown> {
  if (mode === 'append') {
    const [key = '', workerId = '', count = '0'] = rest;
    const store = createFileHistoryStore({ volume, logger });
    let last = 0;
    for (let i = 0; i < Number(count); i += 1) {
      // A sender's turns are seconds apart (each waits for a model): never two in one millisecond.
      while (Date.now() <= last) await sleep(1);
      last = Date.now();
      await store.append(key, { msgId: `${workerId}-${i}`, question: `q${i}`, answer: `a${i}`, at: last });
    }
    return { appended: Number(count) };
  }
  if (mode === 'clear') {
    const [key = '', times = '0'] = rest;
    const store = createFileHistoryStore({ volume, logger });
    for (let i = 0; i < Number(times); i += 1) {
      await store.clear(key);
      await sleep(5);
    }
    return { cleared: Number(times) };
  }
  if (mode === 'claim') {
    const [workerId = '', ...msgIds] = rest;
    const store = createProcessedStore({ volume, logger, clock: Date.now, leaseMs: 60_000 });
    // Every message at once, as FC delivers them; the visible action is a file only the owner writes.
    const results = await Promise.all(
      msgIds.map(async (msgId) => {
        const result = await store.claim(msgId);
        if (!result.claimed) return result.state;
        await result.markDelivering();
        await mkdir(join(dir, 'visible', Buffer.from(msgId).toString('hex')), { recursive: true });
        await writeFile(join(dir, 'visible', Buffer.from(msgId).toString('hex'), workerId), '');
        return 'claimed';
      }),
    );
    return { results };
  }
  if (mode === 'mode') {
    const [senderKey = '', chosen = 'chain', count = '1'] = rest;
    const store = createFileModeStore({ volume, logger });
    let lastStarted = 0;
    for (let i = 0; i < Number(count); i += 1) {
      lastStarted = Date.now();
      await store.set(senderKey, chosen === 'single' ? 'single' : 'chain');
    }
    return { set: Number(count), lastStarted };
  }
  if (mode === 'take') {
    const [userKey = '', workerId = '', count = '0', max = '1'] = rest;
    const store = createFileQuotaStore({ volume, logger, clock: Date.now, timeZone: 'Asia/Shanghai' });
    let allowed = 0;
    for (let i = 0; i < Number(count); i += 1) {
      if ((await store.take(userKey, Number(max), `${workerId}-${i}`)).allowed) allowed += 1;
    }
    return { allowed };
  }
  if (mode === 'usage') {
    const [workerId = '', count = '0', nowMs = '0'] = rest;
    const store = createFileUsageStore({
      volume,
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
    const index = createFileUserIndex({ volume, logger });
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
  if (mode === 'create') {
    const [path = ''] = rest;
    return { created: await volume.createExclusive(path, String(process.pid)) };
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
