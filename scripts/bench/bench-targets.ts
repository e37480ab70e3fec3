import type { BenchResults } from './bench-results';

/** One line of the table: a measured value against the target, if it names one. */
export interface TargetRow {
  metric: string;
  value: number;
  unit: string;
  /** '' when the issue sets no target for this number. */
  target: string;
  /** undefined when there is nothing to check. */
  met?: boolean;
}

const KB = 1024;

/** Every reported number, checked against the targets of issues 6 and 13 (2-core machine, loopback stand-ins). */
export function evaluateTargets(results: Omit<BenchResults, 'targets'>): TargetRow[] {
  const rows: TargetRow[] = [];
  const add = (metric: string, value: number, unit: string, limit?: number, target = '') => {
    const row: TargetRow = {
      metric,
      value,
      unit,
      target: limit === undefined ? target : `≤ ${limit} ${unit}`,
    };
    if (limit !== undefined) row.met = value <= limit;
    rows.push(row);
  };
  const model = results.first_visible_model;
  const generationMs = model.first_token_ms + ((model.tokens - 1) / model.tokens_per_second) * 1000;

  add('ack_ms.p50', results.ack_ms.p50, 'ms');
  add('ack_ms.p99', results.ack_ms.p99, 'ms', 2);
  add('ack_ms.max', results.ack_ms.max, 'ms');
  add('overhead_ms.p50', results.overhead_ms.p50, 'ms', 8);
  add('overhead_ms.p99', results.overhead_ms.p99, 'ms');
  add('reply_cpu_ms_per_message', results.reply_cpu_ms_per_message, 'ms', 4);
  add('reply_cpu_ms_per_message_new_volume', results.reply_cpu_ms_per_message_new_volume, 'ms');
  add('reply_cpu_ms_per_message_disk', results.reply_cpu_ms_per_message_disk, 'ms');
  add('overhead_ms_at_storage_latency.p50', results.overhead_ms_at_storage_latency.p50, 'ms', 60);
  add('overhead_ms_at_storage_latency.p99', results.overhead_ms_at_storage_latency.p99, 'ms');
  const storage = results.storage_ops_per_message;
  add('storage_ops_per_message.before_model.round_trips', storage.before_model.round_trips, 'round trips', 3);
  add('storage_ops_per_message.before_model.ops', storage.before_model.ops, 'ops');
  add('storage_ops_per_message.after_model.round_trips', storage.after_model.round_trips, 'round trips', 2);
  add('storage_ops_per_message.after_model.ops', storage.after_model.ops, 'ops');
  add('first_visible_ms.stream', results.first_visible_ms.stream, 'ms', 400);
  add(
    'first_visible_ms.plain',
    results.first_visible_ms.plain,
    'ms',
    undefined,
    `≈ ${Math.round(generationMs)} ms`,
  );
  add('cold_load_ms.conversation', results.cold_load_ms.conversation, 'ms', 40);
  add('cold_load_ms.reply', results.cold_load_ms.reply, 'ms', 50);
  add('bundle_bytes.conversation', results.bundle_bytes.conversation / KB, 'KB', 150);
  add('bundle_bytes.reply', results.bundle_bytes.reply / KB, 'KB', 450);
  add('bundle_lazy_bytes.conversation', results.bundle_lazy_bytes.conversation / KB, 'KB');
  add('bundle_lazy_bytes.reply', results.bundle_lazy_bytes.reply / KB, 'KB');
  add('peak_rss_mb.conversation', results.peak_rss_mb.conversation, 'MB', 128);
  add('peak_rss_mb.reply', results.peak_rss_mb.reply, 'MB', 128);
  add('at_rest_rss_mb.conversation', results.at_rest_rss_mb.conversation, 'MB', 50);
  add('at_rest_rss_mb.reply', results.at_rest_rss_mb.reply, 'MB', 55);
  const history = Object.entries(results.history_ms);
  const smallest = history[0]?.[1] ?? 0;
  // "Flat": the largest history costs at most twice the smallest (or 1 ms more, below which noise dominates).
  const flatLimit = Math.max(2 * smallest, smallest + 1);
  for (const [index, [size, ms]] of history.entries()) {
    const row: TargetRow = { metric: `history_ms.${size}`, value: ms, unit: 'ms', target: '' };
    if (index > 0) {
      row.target = `flat: ≤ ${flatLimit.toFixed(2)} ms`;
      row.met = ms <= flatLimit;
    }
    rows.push(row);
  }
  const calls = results.dingtalk_calls_per_answer;
  add('dingtalk_calls_per_answer.plain', calls.plain, 'calls');
  add('dingtalk_calls_per_answer.card', calls.card, 'calls', 12);
  add('dingtalk_calls_per_answer.card_cold_token', calls.card_cold_token, 'calls', 12);
  add('dingtalk_calls_per_answer.card_20000', calls.card_20000, 'calls', 20);
  const gbs = results.gb_seconds_per_1000_messages;
  add('gb_seconds_per_1000_messages.conversation', gbs.conversation, 'GB·s');
  add('gb_seconds_per_1000_messages.reply', gbs.reply, 'GB·s');
  return rows;
}

/** The rows as an aligned plain-text table: metric, value, target, ✓/✗. */
export function formatTargetTable(rows: readonly TargetRow[]): string {
  const cells = rows.map((row) => [
    row.metric,
    `${formatNumber(row.value)} ${row.unit}`,
    row.target || '—',
    row.met === undefined ? '' : row.met ? '✓' : '✗',
  ]);
  const header = ['metric', 'value', 'target', ''];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((line) => (line[column] ?? '').length)),
  );
  const format = (line: string[]) =>
    line
      .map((cell, column) =>
        column === 1 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [format(header), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.map(format)].join(
    '\n',
  );
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  if (value >= 100) return value.toFixed(1);
  return value >= 1 ? value.toFixed(2) : value.toPrecision(3);
}
