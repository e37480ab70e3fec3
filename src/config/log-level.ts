import type { Env } from './read-env';
import { readEnv } from './read-env';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

const NAMED_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** Python logging levels as the old connector's VERBOSE used them: show records at or above N. */
function fromPythonLevel(level: number): LogLevel {
  if (level <= 10) return 'debug';
  if (level <= 20) return 'info';
  if (level <= 30) return 'warn';
  if (level <= 40) return 'error';
  return 'fatal';
}

/** LOG_LEVEL (a pino level name or a Python number), else the legacy VERBOSE number, else info. */
export function readLogLevel(env: Env, problems: string[]): LogLevel {
  const setting = readEnv(env, ['LOG_LEVEL', 'VERBOSE']);
  if (!setting) return 'info';
  const lower = setting.value.toLowerCase();
  if ((NAMED_LEVELS as readonly string[]).includes(lower)) return lower as LogLevel;
  if (/^-?\d+$/.test(lower)) return fromPythonLevel(Number(lower));
  problems.push(
    `${setting.name} must be one of ${NAMED_LEVELS.join(', ')} or a Python level number (10, 20, 30, 40)`,
  );
  return 'info';
}
