import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import { hasErrorCode } from './has-error-code';
import type { Volume } from './volume';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_TRUNC, O_NOFOLLOW } = fs.constants;
// A symbolic link planted on the volume must not turn a history read into a read of anything else, nor a write
// into an overwrite elsewhere: the last path component is never followed (ELOOP instead).
const READ = O_RDONLY | O_NOFOLLOW;
const REPLACE = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW;
const CREATE = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
const SEGMENT = /^(?!\.\.?$)[A-Za-z0-9._-]+$/;

// node:fs's callback functions, looked up at each call: they cost less CPU than fs/promises (no FileHandle per
// file), and every store operation is one of them. Numeric flags (for O_NOFOLLOW) are accepted at run time,
// though @types/node declares only strings.
const numericFlag = (flag: number) => flag as unknown as string;
// A file is read in chunks until a short one, which on a regular file means its end: one step less than
// fs.readFile, which asks for the size first. Our files are small; most fit the first chunk.
const FIRST_CHUNK_BYTES = 16 * 1024;
const readFile = (path: string, options: { flag: number }) =>
  new Promise<string>((resolve, reject) =>
    fs.open(path, numericFlag(options.flag), (openError, fd) => {
      if (openError) return reject(openError);
      const chunks: Buffer[] = [];
      const finish = (error: Error | null) =>
        fs.close(fd, (closeError) => {
          const failure = error ?? closeError;
          if (failure) reject(failure);
          else resolve(Buffer.concat(chunks).toString('utf8'));
        });
      const readChunk = (size: number) => {
        const chunk = Buffer.allocUnsafe(size);
        fs.read(fd, chunk, 0, size, null, (readError, bytes) => {
          if (readError) return finish(readError);
          chunks.push(chunk.subarray(0, bytes));
          if (bytes < size) return finish(null);
          readChunk(size * 2);
        });
      };
      readChunk(FIRST_CHUNK_BYTES);
    }),
  );
const writeFile = (path: string, data: string, options: { flag: number; mode?: number }) =>
  new Promise<void>((resolve, reject) =>
    fs.writeFile(path, data, { ...options, flag: numericFlag(options.flag) }, (error) =>
      error ? reject(error) : resolve(),
    ),
  );
const readdir = (path: string) =>
  new Promise<string[]>((resolve, reject) =>
    fs.readdir(path, (error, names) => (error ? reject(error) : resolve(names))),
  );
const mkdirOne = (path: string) =>
  new Promise<void>((resolve, reject) => fs.mkdir(path, (error) => (error ? reject(error) : resolve())));
const mkdir = (path: string) =>
  new Promise<void>((resolve, reject) =>
    fs.mkdir(path, { recursive: true }, (error) => (error ? reject(error) : resolve())),
  );
const rm = (path: string) =>
  new Promise<void>((resolve, reject) =>
    fs.rm(path, { recursive: true, force: true }, (error) => (error ? reject(error) : resolve())),
  );
const lstat = (path: string) =>
  new Promise<fs.Stats>((resolve, reject) =>
    fs.lstat(path, (error, stats) => (error ? reject(error) : resolve(stats))),
  );

/** The volume as a folder of this machine's file system (the OSS mount on FC: HISTORY_DIR). */
export function createNodeVolume(root: string): Volume {
  const locate = (path: string): string => {
    if (!path.split('/').every((segment) => SEGMENT.test(segment))) {
      throw new TypeError('volume paths are relative, made of plain names');
    }
    return join(root, path);
  };
  /** Runs a write; when its folder is missing, makes it and runs the write once more. */
  const inFolder = async <T>(file: string, write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch (error) {
      if (!hasErrorCode(error, 'ENOENT')) throw error;
    }
    await mkdir(dirname(file));
    return write();
  };
  const modifiedAt = async (path: string): Promise<number | undefined> => {
    try {
      return (await lstat(locate(path))).mtimeMs;
    } catch (error) {
      if (hasErrorCode(error, 'ENOENT')) return undefined;
      throw error;
    }
  };

  return {
    async read(path) {
      try {
        return await readFile(locate(path), { flag: READ });
      } catch (error) {
        if (hasErrorCode(error, 'ENOENT')) return undefined;
        throw error;
      }
    },
    async write(path, data, options = {}) {
      const file = locate(path);
      const mode = options.mode === undefined ? {} : { mode: options.mode };
      await inFolder(file, () => writeFile(file, data, { flag: REPLACE, ...mode }));
    },
    async mark(path) {
      const folder = locate(path);
      try {
        await inFolder(folder, () => mkdirOne(folder));
      } catch (error) {
        if (!hasErrorCode(error, 'EEXIST')) throw error;
      }
    },
    async list(path) {
      try {
        return await readdir(locate(path));
      } catch (error) {
        if (hasErrorCode(error, 'ENOENT')) return [];
        throw error;
      }
    },
    async remove(path) {
      await rm(locate(path));
    },
    async exists(path) {
      return (await modifiedAt(path)) !== undefined;
    },
    async createExclusive(path, data) {
      const file = locate(path);
      try {
        await inFolder(file, () => writeFile(file, data, { flag: CREATE }));
        return true;
      } catch (error) {
        if (hasErrorCode(error, 'EEXIST')) return false;
        throw error;
      }
    },
    modifiedAt,
  };
}
