/** p50, p99 and max of a set of samples (ms). */
export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

/** The nearest-rank percentile `p` (0–100) of `values`; 0 for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

/** The median of `values`; 0 for no values. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** The arithmetic mean of `values`; 0 for no values. */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** p50, p99 and max of `values`, rounded to 0.01 ms. */
export function summarizeLatencies(values: readonly number[]): LatencySummary {
  return {
    p50: round(percentile(values, 50)),
    p99: round(percentile(values, 99)),
    max: round(Math.max(0, ...values)),
  };
}

/** `value` rounded to `digits` decimals (2 by default), as reported. */
export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
