import { hasErrorCode } from './has-error-code';
import { readFileNoFollow } from './no-follow-file';

/** Outcome of reading a JSON file: its value, or why there is none. */
export type JsonFileResult =
  | { status: 'ok'; value: unknown }
  | { status: 'missing' }
  | { status: 'unreadable' };

/**
 * Reads and parses a JSON file; a missing file and an empty, torn or otherwise unreadable one (a symbolic link
 * included: it is never followed) are reported, not thrown.
 */
export async function readJsonFile(path: string): Promise<JsonFileResult> {
  let text: string;
  try {
    text = await readFileNoFollow(path);
  } catch (error) {
    return hasErrorCode(error, 'ENOENT') ? { status: 'missing' } : { status: 'unreadable' };
  }
  try {
    return { status: 'ok', value: JSON.parse(text) as unknown };
  } catch {
    return { status: 'unreadable' };
  }
}
