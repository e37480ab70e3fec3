import { constants } from 'node:fs';
import { lstat, readFile, writeFile } from 'node:fs/promises';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_TRUNC, O_NOFOLLOW } = constants;
// A symbolic link planted on the volume must not turn a history read into a read of anything else, nor a write
// into an overwrite elsewhere: the last path component is never followed (ELOOP instead).
const READ = O_RDONLY | O_NOFOLLOW;
const REPLACE = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW;
const CREATE = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;

/** Reads a UTF-8 file that is not a symbolic link. */
export function readFileNoFollow(path: string): Promise<string> {
  return readFile(path, { encoding: 'utf8', flag: READ });
}

/** Writes a file, replacing it; `exclusive` fails with EEXIST when the name exists (a symbolic link included). */
export function writeFileNoFollow(
  path: string,
  data: string,
  options: { exclusive?: boolean; mode?: number } = {},
): Promise<void> {
  return writeFile(path, data, {
    flag: options.exclusive ? CREATE : REPLACE,
    ...(options.mode === undefined ? {} : { mode: options.mode }),
  });
}

/** Whether a name exists, without following it if it is a symbolic link. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code === 'ENOENT') return false;
    throw error;
  }
}
