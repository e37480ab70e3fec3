import pino from 'pino';
import { censorSecrets } from './censor-secrets';
import type { LogLevel } from './config/log-level';
import type { Logger } from './ports';

/** Options of the root logger of one function instance. */
export interface LoggerOptions {
  level: LogLevel;
  fn: string;
  /** Where JSON lines go; stdout written synchronously by default (FC freezes the instance after the response). */
  destination?: pino.DestinationStream;
}

/** The root pino logger of a function instance: JSON to stdout, synchronous, secret fields censored. */
export function createLogger(options: LoggerOptions): Logger {
  const logger = pino(
    {
      level: options.level,
      base: { fn: options.fn },
      formatters: { level: (label) => ({ level: label }), log: censorSecrets },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
  // A child's bindings skip the formatters; every child inherits this from the root, so grandchildren too.
  const child = logger.child;
  logger.child = function censoredChild(this: typeof logger, bindings, childOptions) {
    return child.call(this, censorSecrets(bindings), childOptions);
  } as typeof child;
  return logger;
}
