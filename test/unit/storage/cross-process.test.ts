import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileHistoryStore } from '../../../src/storage/file-history-store';
import { createFileModeStore } from '../../../src/storage/file-mode-store';
import { createFileQuotaStore } from '../../../src/storage/file-quota-store';
import { createFileUsageStore } from '../../../src/storage/file-usage-store';
import { createFileUserIndex } from '../../../src/storage/file-user-index';
import { historyKey } from '../../../src/storage/history-key';
import { createCaptureLogger, createTempDir } from './capture-logger';

const WORKER = join(import.meta.dirname, 'storage-worker.ts');
const PROJECT_ROOT = join(import.meta.dirname, '..', '..', '..');

/** Runs one worker per argument list, releases them all at once, and returns their JSON results. */
async function runWorkers(argLists: string[][]): Promise<unknown[]> {
  const workers = argLists.map((args) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], {
      cwd: PROJECT_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
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

describe('storage shared by several processes', () => {
  let dir: string;
  let remove: () => Promise<void>;

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
  });
  afterEach(() => remove());

  it('keeps every turn exactly once when 4 processes append 25 turns each to one key', async () => {
    const key = historyKey(['conversation', 'sender']);
    const results = await runWorkers([0, 1, 2, 3].map((id) => ['append', dir, key, `w${id}`, '25']));
    expect(results).toEqual(Array.from({ length: 4 }, () => ({ appended: 25 })));

    const keyDir = join(dir, 'history', key);
    const files = (await readdir(keyDir)).filter((name) => name !== 'head.json').sort();
    expect(files).toEqual(Array.from({ length: 100 }, (_, i) => `${String(i + 1).padStart(12, '0')}.json`));
    const stored = await Promise.all(
      files.map(async (name) => JSON.parse(await readFile(join(keyDir, name), 'utf8')).msgId as string),
    );
    const expected = [0, 1, 2, 3].flatMap((id) => Array.from({ length: 25 }, (_, i) => `w${id}-${i}`));
    expect([...stored].sort()).toEqual([...expected].sort());

    const { logger } = createCaptureLogger();
    const loaded = await createFileHistoryStore({ dir, logger }).load(key, 1000);
    expect(loaded.map((turn) => turn.msgId)).toEqual(stored);
    // Each worker's own turns keep their order.
    for (const id of [0, 1, 2, 3]) {
      const own = stored.filter((msgId) => msgId.startsWith(`w${id}-`));
      expect(own).toEqual(Array.from({ length: 25 }, (_, i) => `w${id}-${i}`));
    }
  });

  it('keeps the turn files contiguous and load consistent while another process clears repeatedly', async () => {
    const key = historyKey(['conversation', 'clearing sender']);
    const results = await runWorkers([
      ['append', dir, key, 'w0', '30'],
      ['append', dir, key, 'w1', '30'],
      ['append', dir, key, 'w2', '30'],
      ['clear', dir, key, '8'],
    ]);
    expect(results).toContainEqual({ cleared: 8 });

    const keyDir = join(dir, 'history', key);
    const seqs = (await readdir(keyDir))
      .filter((name) => name !== 'head.json')
      .map((name) => Number(name.slice(0, 12)))
      .sort((a, b) => a - b);
    const records = await Promise.all(
      seqs.map(async (seq) =>
        JSON.parse(await readFile(join(keyDir, `${String(seq).padStart(12, '0')}.json`), 'utf8')),
      ),
    );
    const lastMarker = records.map((record) => record.type).lastIndexOf('clear');
    expect(lastMarker).toBeGreaterThanOrEqual(0);
    // From the newest clear marker up, no gap: that is what the forward probe relies on. Below it, a turn whose
    // append lost the CPU for long may have landed after the clear's deletions passed; the marker hides it.
    const above = seqs.slice(lastMarker);
    expect(above).toEqual(Array.from({ length: above.length }, (_, i) => (above[0] ?? 0) + i));
    const { logger } = createCaptureLogger();
    const store = createFileHistoryStore({ dir, logger });
    const loaded = await store.load(key, 1000);
    expect(loaded.map((turn) => turn.msgId)).toEqual(
      records.slice(lastMarker + 1).map((record) => record.msgId),
    );
    await store.append(key, { msgId: 'after', question: 'q', answer: 'a', at: 1 });
    expect((await store.load(key, 1)).map((turn) => turn.msgId)).toEqual(['after']);
  });

  it('lets exactly one of 6 processes claim the same msgId', async () => {
    const results = await runWorkers(Array.from({ length: 6 }, () => ['claim', dir, 'msg+/=']));
    expect(results.filter((result) => (result as { claimed: boolean }).claimed)).toHaveLength(1);
    for (const result of results) {
      expect([
        { claimed: true },
        { claimed: false, state: 'in-progress' },
        { claimed: false, state: 'delivering' },
      ]).toContainEqual(result);
    }
  });

  it('keeps every mode change when 4 processes switch one sender at once', async () => {
    const senderKey = historyKey(['sender', 'staff-1']);
    const results = await runWorkers(
      [0, 1, 2, 3].map((id) => ['mode', dir, senderKey, id % 2 ? 'single' : 'chain', '10']),
    );
    expect(results).toEqual(Array.from({ length: 4 }, () => ({ set: 10 })));
    const files = (await readdir(join(dir, 'modes', senderKey))).filter((name) =>
      /^\d{12}\.json$/.test(name),
    );
    expect(files).toHaveLength(40);
    const newest = JSON.parse(
      await readFile(join(dir, 'modes', senderKey, files.sort().at(-1) ?? ''), 'utf8'),
    );
    const store = createFileModeStore({ dir, logger: createCaptureLogger().logger });
    expect(await store.get(senderKey)).toBe(newest.mode);
  });

  it('gives exactly 25 of 40 quota slots when 4 processes take 10 each with a maximum of 25', async () => {
    const now = Date.UTC(2024, 0, 10, 4, 0);
    const results = await runWorkers(
      [0, 1, 2, 3].map((id) => ['take', dir, 'staff-quota', `w${id}`, '10', '25', String(now)]),
    );
    const allowed = results.map((result) => (result as { allowed: number }).allowed);
    expect(allowed.reduce((sum, n) => sum + n, 0)).toBe(25);
    const store = createFileQuotaStore({
      dir,
      logger: createCaptureLogger().logger,
      clock: () => now,
      timeZone: 'Asia/Shanghai',
    });
    expect(await store.peek('staff-quota', 25)).toEqual({ used: 25, remaining: 0 });
    expect(await store.take('staff-quota', 25, 'one more')).toMatchObject({ allowed: false });
  });

  it('sums usage exactly when 4 processes record 20 messages each for the same two users', async () => {
    const now = Date.UTC(2024, 0, 10, 4, 0);
    const results = await runWorkers([0, 1, 2, 3].map((id) => ['usage', dir, `w${id}`, '20', String(now)]));
    expect(results).toEqual(Array.from({ length: 4 }, () => ({ recorded: 20 })));
    const capture = createCaptureLogger();
    const store = createFileUsageStore({
      dir,
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
    const results = await runWorkers([0, 1, 2, 3].map((id) => ['remember', dir, `w${id}`, '5']));
    expect(results).toEqual(Array.from({ length: 4 }, () => ({ remembered: 5 })));
    const found = await createFileUserIndex({ dir, logger: createCaptureLogger().logger }).find('staff-1');
    expect(found).toHaveLength(1);
    const expected = [
      historyKey(['shared']),
      ...[0, 1, 2, 3].flatMap((id) => Array.from({ length: 5 }, (_, i) => historyKey([`w${id}`, `${i}`]))),
    ];
    expect([...(found[0]?.historyKeys ?? [])].sort()).toEqual(expected.sort());
    expect(await createFileUserIndex({ dir, logger: createCaptureLogger().logger }).find('小明')).toEqual(
      found,
    );
  });
});
