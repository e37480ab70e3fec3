import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { volumeParent } from '../../scripts/bench/bench-volume';

const ROOT = join(__dirname, '..', '..');

/** Every number results.json must hold, by key and sub-key (issue 6, plus at_rest_rss_mb). */
const NUMBERS: Record<string, string[]> = {
  ack_ms: ['p50', 'p99', 'max'],
  overhead_ms: ['p50', 'p99'],
  overhead_ms_at_storage_latency: ['p50', 'p99'],
  first_visible_ms: ['stream', 'plain'],
  first_visible_model: ['first_token_ms', 'tokens_per_second', 'chars_per_token', 'tokens'],
  cold_load_ms: ['conversation', 'reply'],
  bundle_bytes: ['conversation', 'reply'],
  bundle_lazy_bytes: ['conversation', 'reply'],
  peak_rss_mb: ['conversation', 'reply'],
  at_rest_rss_mb: ['conversation', 'reply'],
  history_ms: ['turns_10', 'turns_1000', 'turns_100000'],
  dingtalk_calls_per_answer: ['plain', 'card', 'card_cold_token', 'card_20000'],
  gb_seconds_per_1000_messages: ['conversation', 'reply'],
  memory_size_mb: ['conversation', 'reply'],
};

let dir: string;
let run: { code: number | null; stdout: string; stderr: string };
// biome-ignore lint/suspicious/noExplicitAny: the file is checked key by key below.
let results: any;

beforeAll(async () => {
  // The bundles are built by the global setup; the benchmark measures them as they are.
  dir = await mkdtemp(join(tmpdir(), 'bench-quick-'));
  const out = join(dir, 'results.json');
  run = await new Promise((resolve) => {
    execFile(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      [join(ROOT, 'scripts', 'bench', 'main.ts'), '--quick', '--out', out],
      { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
    );
  });
  results = run.code === 0 ? JSON.parse(await readFile(out, 'utf8')) : undefined;
}, 180_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm run bench -- --quick', () => {
  it('exits 0 and writes results.json', () => {
    expect(run.stderr.includes('bench failed') ? run.stderr : '').toBe('');
    expect(run.code).toBe(0);
    expect(results).toBeTypeOf('object');
  });

  it.each(Object.entries(NUMBERS))('reports %s as finite non-negative numbers', (key, subKeys) => {
    expect(Object.keys(results[key] ?? {})).toEqual(expect.arrayContaining(subKeys));
    for (const subKey of subKeys) {
      const value = results[key][subKey];
      expect(value, `${key}.${subKey}`).toBeTypeOf('number');
      expect(Number.isFinite(value) && value >= 0, `${key}.${subKey} = ${value}`).toBe(true);
    }
  });

  it('reports the reply CPU per message, on a volume in use, a new one and one on the disk, in milliseconds', () => {
    for (const key of [
      'reply_cpu_ms_per_message',
      'reply_cpu_ms_per_message_new_volume',
      'reply_cpu_ms_per_message_disk',
    ]) {
      expect(results[key], key).toBeTypeOf('number');
      expect(results[key], key).toBeGreaterThan(0);
      expect(results.notes[key], key).toMatch(/cpuUsage|empty|disk/);
    }
  });

  it('says where the history volumes were made: in memory where the machine has a tmpfs, and on the disk', () => {
    const memory = volumeParent('memory');
    expect(memory === '/dev/shm' || memory === tmpdir()).toBe(true);
    const { connector_runs, disk } = results.history_volume;
    expect(connector_runs.startsWith(`${memory} (`) && connector_runs.endsWith(')'), connector_runs).toBe(
      true,
    );
    if (memory === '/dev/shm') expect(connector_runs).toBe('/dev/shm (tmpfs)');
    expect(disk.startsWith(`${tmpdir()} (`) && disk.endsWith(')'), disk).toBe(true);
  });

  it('reports the storage round trips and operations before and after the model', () => {
    for (const phase of ['before_model', 'after_model']) {
      const counts = results.storage_ops_per_message[phase];
      expect(Object.keys(counts).sort()).toEqual(['ops', 'round_trips']);
      expect(Number.isInteger(counts.round_trips) && counts.round_trips >= 1).toBe(true);
      expect(counts.ops).toBeGreaterThanOrEqual(counts.round_trips);
    }
    expect(results.notes.overhead_ms_at_storage_latency).toContain('HISTORY_VOLUME_LATENCY_MS=10');
  });

  it('says how, where and with what it measured', () => {
    expect(results.mode).toBe('quick');
    expect(Number.isNaN(Date.parse(results.generated_at))).toBe(false);
    expect(results.machine).toEqual({
      os: expect.any(String),
      cpu: expect.any(String),
      cores: expect.any(Number),
      node: process.version,
    });
    expect(results.gb_seconds_formula).toMatch(/memorySize/);
    expect(results.first_visible_model.tokens).toBe(40);
    for (const value of Object.values(results.samples)) expect(value).toBeGreaterThan(0);
  });

  it('checks the targets and prints them as a table', () => {
    const checked = results.targets.filter((row: { met?: boolean }) => row.met !== undefined);
    expect(checked.map((row: { metric: string }) => row.metric)).toEqual(
      expect.arrayContaining([
        'ack_ms.p99',
        'overhead_ms.p50',
        'overhead_ms_at_storage_latency.p50',
        'storage_ops_per_message.before_model.round_trips',
        'storage_ops_per_message.after_model.round_trips',
        'first_visible_ms.stream',
        'cold_load_ms.conversation',
        'cold_load_ms.reply',
        'bundle_bytes.conversation',
        'bundle_bytes.reply',
        'reply_cpu_ms_per_message',
        'peak_rss_mb.conversation',
        'peak_rss_mb.reply',
        'at_rest_rss_mb.conversation',
        'at_rest_rss_mb.reply',
        'history_ms.turns_100000',
      ]),
    );
    for (const row of results.targets) {
      expect(run.stdout).toContain(row.metric);
      if (row.met !== undefined) expect(typeof row.met).toBe('boolean');
    }
  });
});
