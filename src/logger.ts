import pino from 'pino';
import type { LogLevel } from './config/log-level';
import type { Logger } from './ports';

/**
 * Defence in depth: the code never puts secrets in log objects, but if one slips into a known field it is
 * censored rather than shipped to the log store.
 */
const REDACT_PATHS = [
  'sign',
  'headers.sign',
  'authorization',
  'headers.authorization',
  'sessionWebhook',
  '*.sessionWebhook',
  'apiKey',
  '*.apiKey',
  'appSecret',
  '*.appSecret',
  'accessKeySecret',
  '*.accessKeySecret',
  'securityToken',
  '*.securityToken',
  'accessToken',
  '*.accessToken',
];

/** Options of the root logger of one function instance. */
export interface LoggerOptions {
  level: LogLevel;
  fn: string;
  /** Where JSON lines go; stdout written synchronously by default (FC freezes the instance after the response). */
  destination?: pino.DestinationStream;
}

/** The root pino logger of a function instance: JSON to stdout, synchronous, secrets censored. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { fn: options.fn },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
