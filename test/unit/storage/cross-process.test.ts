import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileHistoryStore } from '../../../src/storage/file-history-store';
import { createFileModeStore } from '../../../src/storage/file-mode-store';
import { createFileQuotaStore } from '../../../src/storage/file-quota-store';
import { createFileUsageStore } from '../../../src/storage/file-usage-store';
import { createFileUserIndex } from '../../../src/storage/file-user-index';
import { historyKey } from '../../../src/storage/history-key';
import { createNodeVolume } from '../../../src/storage/node-volume';
import { createCaptureLogger, createTempDir } from './capture-logger';

const WORKER = join(import.meta.dirname, 'storage-worker.ts');
const PROJECT_ROOT = join(import.meta.dirname, '..', '..', '..');
const OSS_MOUNT = join(PROJECT_ROOT, 'scripts', 'emulators', 'oss-mount.cjs');
// FC's OSS mount: an exclusive create is a lookup, then 15 ms later an upload that replaces whatever another
// process uploaded meanwhile; every write is in flight 3 ms before anyone can see it.
const MOUNT = { OSS_MOUNT_CREATE_DELAY_MS: '15', OSS_MOUNT_WRITE_DELAY_MS: '3' };

/** Runs one worker per argument list on the emulated mount, releases them all at once, returns their results. */
async function runWorkers(
  dir: string,
  argLists: string[][],
  mount: Record<string, string> = MOUNT,
): Promise<unknown[]> {
  const workers = argLists.map((args) => {
    const child = spawn(
      process.execPath,
      ['--require', OSS_MOUNT, '--import', 'tsx', WORKER, args[0] ?? '', dir, ...args.slice(1)],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, OSS_MOUNT_DIR: dir, ...mount },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    let onReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      onReady = resolve;
    });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.startsWith('ready\n')) onReady();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<unknown>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) reject(new Error(`worker exited with ${code}: ${stderr}`));
        else resolve(JSON.parse(stdout.slice('ready\n'.length)));
      });
    });
    // A worker that dies before "ready" must fail the test rather than hang it.
    return { child, ready: Promise.race([ready, exited.then(() => undefined)]), exited };
  });
  await Promise.all(workers.map((worker) => worker.ready));
  for (const worker of workers) worker.child.stdin.end('go\n');
  return Promise.all(workers.map((worker) => worker.exited));
}

/** Every file below `root`, relative to it. */
async function filesBelow(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1));
}

describe('storage shared by several processes on an OSS mount whose exclusive create is not atomic', () => {
  let dir: string;
  let remove: () => Promise<void>;
  const volume = () => createNodeVolume(dir);
  const logger = () => createCaptureLogger().logger;

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
  });
  afterEach(() => remove());

  it('runs against a mount where several processes all "create" one name exclusively (the emulation is on)', async () => {
    // A wide gap between lookup and upload, so processes started together all look before any uploads, even
    // when a busy machine wakes one of them late. The folder exists first: otherwise each upload fails for the
    // missing folder, and whoever looks again after another's retry has landed sees the name taken.
    await mkdir(join(dir, 'contested'));
    const results = await runWorkers(
      dir,
      [0, 1, 2].map(() => ['create', 'contested/name']),
      { ...MOUNT, OSS_MOUNT_CREATE_DELAY_MS: '2000' },
    );
    // An atomic create lets exactly one of them through.
    expect(results.filter((result) => (result as { created: boolean }).created).length).toBeGreaterThan(1);
  });

  it('keeps every turn exactly once, each sender in order, when 4 processes append 25 turns each to one key', async () => {
    const key = historyKey(['conversation', 'sender']);
    const results = await runWorkers(
      dir,
      [0, 1, 2, 3].map((id) => ['append', key, `w${id}`, '25']),
    );
    expect(results).toEqual(Array.from({ length: 4 }, () => ({ appended: 25 })));

    const files = await filesBelow(join(dir, 'history', key));
    expect(files).toHaveLength(100);
    const loaded = (await createFileHistoryStore({ volume: volume(), logger: logger() }).load(key, 1000)).map(
      (turn) => turn.msgId,
    );
    const expected = [0, 1, 2, 3].flatMap((id) => Array.from({ length: 25 }, (_, i) => `w${id}-${i}`));
    expect([...loaded].sort()).toEqual([...expected].sort());
    for (const id of [0, 1, 2, 3]) {
      expect(loaded.filter((msgId) => msgId.startsWith(`w${id}-`))).toEqual(
        expected.filter((m) => m.startsWith(`w${id}-`)),
      );
    }
  });

  it('shows exactly the turns after the newest clear while another process clears repeatedly', async () => {
    const key = historyKey(['conversation', 'clearing sender']);
    const results = await runWorkers(dir, [
      ['append', key, 'w0', '30'],
      ['append', key, 'w1', '30'],
      ['append', key, 'w2', '30'],
      ['clear', key, '8'],
    ]);
    expect(results).toContainEqual({ cleared: 8 });

    const records = (await filesBelow(join(dir, 'history', key)))
      .map((file) => file.slice(file.lastIndexOf('/') + 1))
      .sort();
    const newestClear = records.filter((name) => name.endsWith('.clear.json')).at(-1) ?? '';
    expect(newestClear).not.toBe('');
    const after = records.filter((name) => name > newestClear);
    const store = createFileHistoryStore({ volume: volume(), logger: logger() });
    const loaded = await store.load(key, 1000);
    expect(loaded).toHaveLength(after.length);
    // Every turn stored after the newest clear is there, exactly once, and nothing from before it.
    const appendedAfter = await Promise.all(
      after.map(async (name) => {
        const day = name.slice(0, 13);
        const file = (await filesBelow(join(dir, 'history', key))).find((path) => path.endsWith(name)) ?? day;
        return JSON.parse(await readFile(join(dir, 'history', key, file), 'utf8')).msgId as string;
      }),
    );
    expect(loaded.map((turn) => turn.msgId)).toEqual(appendedAfter);
    await store.append(key, { msgId: 'after', question: 'q', answer: 'a', at: Date.now() });
    expect((await store.load(key, 1)).map((turn) => turn.msgId)).toEqual(['after']);
  });

  it('lets exactly one of 6 processes answer each of 8 messages they all receive at once', async () => {
    const msgIds = Array.from({ length: 8 }, (_, i) => `msg${i}+/=`);
    const results = (await runWorkers(
      dir,
      Array.from({ length: 6 }, (_, worker) => ['claim', `w${worker}`, ...msgIds]),
    )) as Array<{ results: string[] }>;
    for (const [index, msgId] of msgIds.entries()) {
      const outcomes = results.map((result) => result.results[index]);
      expect(outcomes.filter((outcome) => outcome === 'claimed')).toHaveLength(1);
      for (const outcome of outcomes)
        expect(['claimed', 'in-progress', 'delivering', 'done']).toContain(outcome);
      // Only the owner reached the visible action.
      expect(await readdir(join(dir, 'visible', Buffer.from(msgId).toString('hex')))).toHaveLength(1);
    }
    const late = (await runWorkers(dir, [['claim', 'late', ...msgIds]])) as Array<{ results: string[] }>;
    expect(late[0]?.results).toEqual(msgIds.map(() => 'delivering'));
  });

  it('keeps the newest of the mode changes 4 processes make to one sender at once', async () => {
    const senderKey = historyKey(['sender', 'staff-1']);
    const results = (await runWorkers(
      dir,
      [0, 1, 2, 3].map((id) => ['mode', senderKey, id % 2 ? 'single' : 'chain', '10']),
    )) as Array<{ set: number; lastStarted: number }>;
    expect(results.map((result) => result.set)).toEqual([10, 10, 10, 10]);
    const names = (await readdir(join(dir, 'modes', senderKey))).sort();
    const newest = names.at(-1) ?? '';
    // No change made after the newest one survived: the newest entry is at least as new as the last change.
    expect(Number(newest.slice(0, 13))).toBeGreaterThanOrEqual(
      Math.max(...results.map((r) => r.lastStarted)),
    );
    expect(await createFileModeStore({ volume: volume(), logger: logger() }).get(senderKey)).toBe(
      newest.endsWith('-single') ? 'single' : 'chain',
    );
    // Old choices are removed as new ones come.
    expect(names.length).toBeLessThanOrEqual(12);
  });

  it('gives exactly 25 of 40 requests when 4 processes take 10 each with a maximum of 25', async () => {
    const results = await runWorkers(
      dir,
      [0, 1, 2, 3].map((id) => ['take', 'staff-quota', `w${id}`, '10', '25']),
    );
    const allowed = results.map((result) => (result as { allowed: number }).allowed);
    expect(allowed.reduce((sum, n) => sum + n, 0)).toBe(25);
    const store = createFileQuotaStore({
      volume: volume(),
      logger: logger(),
      clock: Date.now,
      timeZone: 'Asia/Shanghai',
    });
    expect(await store.peek('staff-quota', 25)).toEqual({ used: 25, remaining: 0 });
    expect(await store.take('staff-quota', 25, 'one more')).toMatchObject({ allowed: false });
  });

  it('sums usage exactly when 4 processes record 20 messages each for the same two users', async () => {
    const now = Date.UTC(2024, 0, 10, 4, 0);
    const results = await runWorkers(
      dir,
      [0, 1, 2, 3].map((id) => ['usage', `w${id}`, '20', String(now)]),
    );
    expect(results).toEqual(Array.from({ length: 4 }, () => ({ recorded: 20 })));
    const capture = createCaptureLogger();
    const store = createFileUsageStore({
      volume: volume(),
      logger: capture.logger,
      clock: () => now,
      timeZone: 'Asia/Shanghai',
    });
    // Per worker: alice gets i = 0, 2, …, 18 (prompt i + 1 → 100), bob i = 1, 3, …, 19 (→ 110).
    expect(await store.today()).toEqual([
      { staffId: 'bob', nick: 'bob', messages: 40, promptTokens: 440, completionTokens: 880 },
      { staffId: 'alice', nick: 'alice', messages: 40, promptTokens: 400, completionTokens: 800 },
    ]);
    expect(capture.warnings()).toEqual([]);
  });

  it('keeps every history key when 4 processes remember one user at once', async () => {
    const results = await runWorkers(
      dir,
      [0, 1, 2, 3].map((id) => ['remember', `w${id}`, '5']),
    );
    expect(results).toEqual(Array.from({ length: 4 }, () => ({ remembered: 5 })));
    const index = createFileUserIndex({ volume: volume(), logger: logger() });
    const found = await index.find('staff-1');
    expect(found).toHaveLength(1);
    const expected = [
      historyKey(['shared']),
      ...[0, 1, 2, 3].flatMap((id) => Array.from({ length: 5 }, (_, i) => historyKey([`w${id}`, `${i}`]))),
    ];
    expect([...(found[0]?.historyKeys ?? [])].sort()).toEqual(expected.sort());
    expect(await index.find('小明')).toEqual(found);
  });
});
