import { cpus, release, type } from 'node:os';
import type { CallsResult } from './bench-calls';
import type { ColdLoadResult } from './bench-cold-load';
import type { FirstVisibleResult } from './bench-first-visible';
import type { HistoryResult } from './bench-history';
import type { MemoryResult } from './bench-memory';
import type { TargetRow } from './bench-targets';
import type { LatencySummary } from './percentiles';
import type { StorageOpsResult } from './storage-ops';

type PerFunction = { conversation: number; reply: number };

/** Everything dist/bench/results.json holds. */
export interface BenchResults extends ColdLoadResult, MemoryResult {
  mode: 'full' | 'quick';
  generated_at: string;
  machine: { os: string; cpu: string; cores: number; node: string };
  /** Where the history volumes were made: the connector runs' and reply_cpu_ms_per_message_disk's (bench-volume.ts). */
  history_volume: { connector_runs: string; disk: string };
  ack_ms: LatencySummary;
  overhead_ms: { p50: number; p99: number };
  /** Median CPU time (user + system) of the reply instance per message, chat and DingTalk stand-ins excluded. */
  reply_cpu_ms_per_message: number;
  /** The same in the overhead_ms run, on a new deployment's empty volume (see notes). */
  reply_cpu_ms_per_message_new_volume: number;
  /** The same as reply_cpu_ms_per_message with the volume on the machine's disk (see notes). */
  reply_cpu_ms_per_message_disk: number;
  /** overhead_ms with every history-volume operation delayed (see notes). */
  overhead_ms_at_storage_latency: { p50: number; p99: number };
  storage_ops_per_message: StorageOpsResult;
  first_visible_ms: FirstVisibleResult;
  /** The scripted model first_visible_ms was measured with (quick mode scripts fewer tokens). */
  first_visible_model: {
    first_token_ms: number;
    tokens_per_second: number;
    chars_per_token: number;
    tokens: number;
  };
  history_ms: HistoryResult;
  dingtalk_calls_per_answer: CallsResult;
  gb_seconds_per_1000_messages: PerFunction;
  gb_seconds_formula: string;
  memory_size_mb: PerFunction;
  /** How many samples each measurement took in this mode. */
  samples: Record<string, number>;
  /** How each number was measured, where the name alone does not say. */
  notes: Record<string, string>;
  targets: TargetRow[];
}

/** The machine the numbers come from. */
export function describeMachine(): BenchResults['machine'] {
  const cpu = cpus();
  return {
    os: `${type()} ${release()}`,
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    node: process.version,
  };
}
