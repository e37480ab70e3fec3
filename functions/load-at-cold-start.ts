import type { LogLevel } from '../src/config/log-level';
import { readLogLevel } from '../src/config/log-level';
import { describeError } from '../src/describe-error';
import { createLogger } from '../src/logger';
import type { Logger } from '../src/ports';

/**
 * Reads a function's configuration once per instance. A bad configuration is logged (variable names only) and the
 * function keeps answering with a clear error instead of crashing at init, which FC reports far less clearly.
 */
export function loadAtColdStart<T extends { logLevel: LogLevel }>(
  fn: string,
  load: (env: NodeJS.ProcessEnv) => T,
): { config: T | undefined; log: Logger } {
  try {
    const config = load(process.env);
    return { config, log: createLogger({ level: config.logLevel, fn }) };
  } catch (error) {
    const log = createLogger({ level: readLogLevel(process.env, []), fn });
    log.fatal({ error: describeError(error) }, 'configuration invalid');
    return { config: undefined, log };
  }
}
