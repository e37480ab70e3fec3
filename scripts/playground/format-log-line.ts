const SKIP = new Set(['time', 'level', 'msg', 'fn', 'requestId']);
const MAX_VALUE_CHARS = 120;

/** One function log line, shortened for a terminal: time, function, level, message, then the fields. */
export function formatLogLine(line: Record<string, unknown>): string {
  const time = typeof line.time === 'string' ? line.time.slice(11, 23) : '';
  const fields = Object.entries(line)
    .filter(([key]) => !SKIP.has(key))
    .map(([key, value]) => `${key}=${formatValue(value)}`)
    .join(' ');
  return `${time} ${String(line.fn ?? '').padEnd(12)} ${String(line.level ?? '').padEnd(5)} ${String(line.msg ?? '')}  ${fields}`;
}

function formatValue(value: unknown): string {
  const text = typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;
}
