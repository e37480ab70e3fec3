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
  // A child's bindings skip the formatters, so they are censored here; every child inherits this from the root.
  // Every child is made from the root, its ancestors' bindings merged in: pino makes a child with its parent as
  // prototype, and a young logger turned prototype stays alive, with all it holds, past the next young GC (in
  // conversation, each callback's two loggers got promoted and lengthened the GC pauses behind the slowest acks).
  // Bindings and level carry over to descendants; other child options (the code sets none) do not.
  const child = logger.child;
  logger.child = function flatChild(this: typeof logger, bindings, childOptions) {
    const merged = { ...(this as AncestorBindings)[ANCESTOR_BINDINGS], ...censorSecrets(bindings) };
    const options =
      this.level === logger.level || childOptions?.level !== undefined
        ? childOptions
        : { ...childOptions, level: this.level };
    const made = child.call(logger, merged, options);
    (made as AncestorBindings)[ANCESTOR_BINDINGS] = merged;
    return made;
  } as typeof child;
  return logger;
}

const ANCESTOR_BINDINGS = Symbol('ancestorBindings');
type AncestorBindings = { [ANCESTOR_BINDINGS]?: pino.Bindings };
