import type { Volume } from './volume';

/** Outcome of reading a JSON file: its value, or why there is none. */
export type JsonFileResult =
  | { status: 'ok'; value: unknown }
  | { status: 'missing' }
  | { status: 'unreadable' };

/**
 * Reads and parses a JSON file; a missing file and an empty, torn or otherwise unreadable one (a symbolic link
 * included: it is never followed) are reported, not thrown.
 */
export async function readJsonFile(volume: Volume, path: string): Promise<JsonFileResult> {
  let text: string | undefined;
  try {
    text = await volume.read(path);
  } catch {
    return { status: 'unreadable' };
  }
  if (text === undefined) return { status: 'missing' };
  try {
    return { status: 'ok', value: JSON.parse(text) as unknown };
  } catch {
    return { status: 'unreadable' };
  }
}
