import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';
import type { Logger } from '../../src/ports';

/** A real pino logger whose JSON lines are kept in memory, for asserting what was (and was not) logged. */
export function captureLogger(level: 'debug' | 'info' = 'debug'): {
  log: Logger;
  lines: () => Array<Record<string, unknown>>;
  raw: () => string;
} {
  let raw = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      raw += chunk.toString('utf8');
      callback();
    },
  });
  const log = createLogger({ level, fn: 'test', destination });
  return {
    log,
    raw: () => raw,
    lines: () =>
      raw
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
