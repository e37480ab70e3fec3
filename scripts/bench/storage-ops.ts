import { median } from './percentiles';

/** What one message cost on the history volume, as its reply logged it ('storage operations'). */
export interface StorageCountsLine {
  beforeModel: { roundTrips: number; ops: number };
  afterModel: { roundTrips: number; ops: number };
}

/** storage_ops_per_message in results.json. */
export interface StorageOpsResult {
  before_model: { round_trips: number; ops: number };
  after_model: { round_trips: number; ops: number };
}

/** The 'storage operations' lines of the messages `msgIds`, in that order; throws if one is missing. */
export function readStorageCounts(
  logs: ReadonlyArray<Record<string, unknown>>,
  msgIds: readonly string[],
): StorageCountsLine[] {
  return msgIds.map((msgId) => {
    const line = logs.find((entry) => entry.msg === 'storage operations' && entry.msgId === msgId);
    if (!line) throw new Error('storage_ops: a reply logged no storage operations line');
    return line.storage as StorageCountsLine;
  });
}

/** Round trips: the most any message needed (the budget is a maximum); operations: the median message's. */
export function summarizeStorageOps(lines: readonly StorageCountsLine[]): StorageOpsResult {
  const phase = (pick: (line: StorageCountsLine) => { roundTrips: number; ops: number }) => ({
    round_trips: Math.max(0, ...lines.map((line) => pick(line).roundTrips)),
    ops: median(lines.map((line) => pick(line).ops)),
  });
  return { before_model: phase((line) => line.beforeModel), after_model: phase((line) => line.afterModel) };
}
