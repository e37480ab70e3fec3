import { readFile } from 'node:fs/promises';
import { hasErrorCode } from './has-error-code';

/** Outcome of reading a JSON file: its value, or why there is none. */
export type JsonFileResult =
  | { status: 'ok'; value: unknown }
  | { status: 'missing' }
  | { status: 'unreadable' };

/** Reads and parses a JSON file; a missing file and an empty, torn or otherwise unreadable one are reported, not thrown. */
export async function readJsonFile(path: string): Promise<JsonFileResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return hasErrorCode(error, 'ENOENT') ? { status: 'missing' } : { status: 'unreadable' };
  }
  try {
    return { status: 'ok', value: JSON.parse(text) as unknown };
  } catch {
    return { status: 'unreadable' };
  }
}
