import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * Reads a .env file with Node's own parser (util.parseEnv, the one behind `node --env-file`); undefined when the
 * file does not exist. npm run doctor, npm run deploy and the playground all read .env through it, so they agree.
 */
export function readDotEnv(path: string): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}`);
  }
  const parsed = parseEnv(text);
  return Object.fromEntries(
    Object.entries(parsed).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** The environment a deploy sees: the shell's variables win over the file's, as with dotenv. */
export function overlayEnv(
  fileEnv: Readonly<Record<string, string>>,
  processEnv: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const merged: Record<string, string> = { ...fileEnv };
  for (const [name, value] of Object.entries(processEnv)) if (value !== undefined) merged[name] = value;
  return merged;
}

/** Variables the file sets that the shell overrides with another value (names only: values may be secrets). */
export function shadowedNames(
  fileEnv: Readonly<Record<string, string>>,
  processEnv: Readonly<Record<string, string | undefined>>,
): string[] {
  return Object.keys(fileEnv).filter(
    (name) => processEnv[name] !== undefined && processEnv[name] !== fileEnv[name],
  );
}

/** The configuration a deploy sees, as npm run doctor, deploy and policy all read it. */
export interface Configuration {
  envFile: string;
  /** The file's values; undefined when the default .env does not exist. */
  fileEnv: Record<string, string> | undefined;
  /** The file's values under the shell's. */
  env: Record<string, string>;
  /** Names the shell overrides with another value. */
  shadowed: string[];
}

/**
 * Reads `envFile`, else .env in `root` if it exists, under `processEnv`; an error (naming the path) when a file
 * given explicitly does not exist.
 */
export function readConfiguration(
  root: string,
  envFile: string | undefined,
  processEnv: Readonly<Record<string, string | undefined>>,
): Configuration | { error: string } {
  const path = envFile ?? join(root, '.env');
  const fileEnv = readDotEnv(path);
  if (fileEnv === undefined && envFile !== undefined) return { error: `${path} does not exist` };
  return {
    envFile: path,
    fileEnv,
    env: overlayEnv(fileEnv ?? {}, processEnv),
    shadowed: shadowedNames(fileEnv ?? {}, processEnv),
  };
}
