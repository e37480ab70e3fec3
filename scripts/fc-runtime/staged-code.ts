import { cpSync, existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** Where emulated FC instances load their code from: one folder per process that staged it. */
export function stagingRoot(): string {
  return join(tmpdir(), 'fc-code');
}

/** This process's folder name: `<pid>@<host>`, so a sweep can tell whose copies are orphaned. */
function ownerName(pid: number = process.pid): string {
  return `${pid}@${hostname().replace(/[^\w.-]/g, '_')}`;
}

const OWNER = /^(\d+)@(.+)$/;
// Folders of another host's processes cannot be checked for life: they go once they are this old.
const FOREIGN_MAX_AGE_MS = 24 * 3_600_000;
// Copies of the older layout (`<fn>-<mtime>-<size>` at the root) belong to no one in particular.
const LEGACY_MAX_AGE_MS = 3_600_000;

let removalRegistered = false;

/**
 * FC runs a function from its code directory alone, with no node_modules around it. Loading the bundle from a
 * copy outside the repository gives the same: a module the bundle failed to include cannot be found. The copy
 * lives in this process's folder, which is removed when the process exits.
 */
export function stageCode(bundle: string, root: string = stagingRoot()): string {
  const source = dirname(bundle);
  const { mtimeMs, size } = statSync(bundle);
  const target = join(root, ownerName(), `${basename(source)}-${Math.round(mtimeMs)}-${size}`);
  if (!existsSync(join(target, basename(bundle)))) {
    const staging = `${target}.tmp`;
    rmSync(staging, { recursive: true, force: true });
    cpSync(source, staging, { recursive: true });
    renameSync(staging, target);
  }
  if (!removalRegistered) {
    removalRegistered = true;
    process.once('exit', () => removeOwnStagedCode(root));
  }
  return join(target, basename(bundle));
}

/** Removes this process's copies. */
export function removeOwnStagedCode(root: string = stagingRoot()): void {
  rmSync(join(root, ownerName()), { recursive: true, force: true });
}

/**
 * Removes copies nobody can be using any more: those of processes on this host that have ended (killed before
 * they could clean up), another host's after a day, and the older layout's after an hour. Returns what it removed.
 */
export function sweepStagedCode(root: string = stagingRoot(), now: number = Date.now()): string[] {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    const path = join(root, entry);
    if (!isOrphaned(entry, path, now)) continue;
    rmSync(path, { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}

function isOrphaned(entry: string, path: string, now: number): boolean {
  const owner = OWNER.exec(entry);
  if (owner && entry === ownerName(Number(owner[1]))) return !isAlive(Number(owner[1]));
  return now - modifiedAt(path) > (owner ? FOREIGN_MAX_AGE_MS : LEGACY_MAX_AGE_MS);
}

function modifiedAt(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
