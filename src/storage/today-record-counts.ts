/** How many records a history's folder for one day (UTC) held when this instance last looked. */
export interface DayRecordCount {
  day: string;
  records: number;
}

/** One per instance: what its loads and appends saw of each history's folder for today, for the next load. */
export interface TodayRecordCounts {
  get(key: string): DayRecordCount | undefined;
  set(key: string, count: DayRecordCount): void;
  delete(key: string): void;
}

/**
 * A bounded map (the least recently set key goes first). A count only steers how much a load lists up front: the
 * listing of today's folder still decides, so a count another instance made stale costs a round trip, never a turn.
 */
export function createTodayRecordCounts(maxKeys = 1000): TodayRecordCounts {
  const counts = new Map<string, DayRecordCount>();
  return {
    get: (key) => counts.get(key),
    set(key, count) {
      counts.delete(key);
      counts.set(key, count);
      if (counts.size > maxKeys) counts.delete(counts.keys().next().value as string);
    },
    delete: (key) => {
      counts.delete(key);
    },
  };
}
