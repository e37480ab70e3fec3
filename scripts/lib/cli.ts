import { parseArgs } from 'node:util';

/**
 * Parses a script's string options and --help. Returns the values, or the exit code to stop with after printing
 * the usage (0 for --help, 2 for an unknown or malformed option).
 */
export function parseCliOptions<Name extends string>(
  argv: string[],
  names: readonly Name[],
  usage: string,
): { values: Partial<Record<Name, string>>; exitCode?: undefined } | { exitCode: number } {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        ...Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])),
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n\n${usage}`);
    return { exitCode: 2 };
  }
  if (values.help) {
    console.log(usage);
    return { exitCode: 0 };
  }
  return { values: values as Partial<Record<Name, string>> };
}

/** Runs a script's main and sets its exit code; an unexpected error prints only its name and message. */
export function runCli(label: string, main: () => Promise<number> | number): void {
  Promise.resolve()
    .then(main)
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        console.error(`${label} failed: ${(error as Error).name}: ${(error as Error).message}`);
        process.exitCode = 1;
      },
    );
}
