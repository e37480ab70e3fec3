import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckResult } from './check-result';

const NAME = 'history directory is writable';

/** Creates a probe file, reads it back and deletes it: what the stores on the history directory need. */
export async function checkHistoryDir(dir: string): Promise<CheckResult> {
  if (dir.startsWith('/mnt/') && !existsSync(dir)) {
    return {
      status: 'SKIP',
      name: NAME,
      detail: `${dir}: the OSS mount exists only inside Function Compute; s.yaml mounts the bucket there`,
    };
  }
  const probe = join(dir, `.doctor-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  const content = `probe ${Date.now()}`;
  let created = false;
  try {
    await writeFile(probe, content, { flag: 'wx' });
    created = true;
    if ((await readFile(probe, 'utf8')) !== content) {
      return { status: 'FAIL', name: NAME, detail: `${dir}: a file written there reads back differently` };
    }
    return { status: 'OK', name: NAME, detail: dir };
  } catch (error) {
    return {
      status: 'FAIL',
      name: NAME,
      detail: `${dir}: ${explain((error as NodeJS.ErrnoException).code)}`,
    };
  } finally {
    if (created) await rm(probe, { force: true });
  }
}

function explain(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return 'does not exist: create it, or set HISTORY_DIR to an existing directory';
    case 'ENOTDIR':
      return 'part of the path is a file, not a directory: set HISTORY_DIR to a directory';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `not writable (${code}): fix its permissions, or set HISTORY_DIR to a writable directory`;
    default:
      return `cannot write a file there (${code ?? 'unknown error'}): set HISTORY_DIR to a writable directory`;
  }
}
