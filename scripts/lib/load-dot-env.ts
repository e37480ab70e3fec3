import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/** Reads a .env file with Node's own parser; undefined when the file does not exist. */
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
