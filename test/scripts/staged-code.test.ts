import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stageCode, sweepStagedCode } from '../../scripts/fc-runtime/staged-code';

const ROOT = join(__dirname, '..', '..');
const HOST = hostname().replace(/[^\w.-]/g, '_');
const HOUR_MS = 3_600_000;

/** Runs a TypeScript file in its own Node process; resolves with its exit code and output once it has exited. */
function runTs(file: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; pid: number }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, pid: child.pid ?? 0 }));
  });
}

/** The pid of a process that has already ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('close', resolve));
  return child.pid ?? 0;
}

describe('copies of the built functions in the temp directory', () => {
  let dir: string;
  let root: string;
  let bundle: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'staged-code-'));
    root = join(dir, 'fc-code');
    bundle = join(dir, 'dist', 'reply', 'index.js');
    await mkdir(dirname(bundle), { recursive: true });
    await writeFile(bundle, 'exports.handler = async () => 1;');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stages a bundle once, in a folder of the process that staged it', () => {
    const staged = stageCode(bundle, root);
    expect(staged.startsWith(join(root, `${process.pid}@${HOST}`, 'reply-'))).toBe(true);
    expect(existsSync(staged)).toBe(true);
    expect(stageCode(bundle, root)).toBe(staged);
  });

  it('are removed when the process that staged them exits', async () => {
    const run = await runTs(join(ROOT, 'test', 'helpers', 'stage-and-exit.ts'), [bundle, root]);
    expect(run.code).toBe(0);
    const { staged, existed } = JSON.parse(run.stdout) as { staged: string; existed: boolean };
    expect(existed).toBe(true);
    expect(staged.startsWith(join(root, `${run.pid}@${HOST}`))).toBe(true);
    expect(existsSync(join(root, `${run.pid}@${HOST}`))).toBe(false);
  });

  it('are swept when their process has ended, never while it runs; old copies of the older layout too', async () => {
    const dead = `${await deadPid()}@${HOST}`;
    const alive = `${process.pid}@${HOST}`;
    const elsewhereFresh = '12345@another-host';
    const elsewhereOld = '12346@another-host';
    const legacyOld = 'reply-1796376621696-1204666';
    const legacyFresh = 'conversation-1796376621697-1204666';
    for (const name of [dead, alive, elsewhereFresh, elsewhereOld, legacyOld, legacyFresh]) {
      await mkdir(join(root, name, 'reply'), { recursive: true });
    }
    const now = Date.now();
    await utimes(join(root, legacyOld), new Date(now - 2 * HOUR_MS), new Date(now - 2 * HOUR_MS));
    await utimes(join(root, elsewhereOld), new Date(now - 25 * HOUR_MS), new Date(now - 25 * HOUR_MS));
    expect(sweepStagedCode(root, now).sort()).toEqual([dead, elsewhereOld, legacyOld].sort());
    expect((await readdir(root)).sort()).toEqual([alive, elsewhereFresh, legacyFresh].sort());
    expect(sweepStagedCode(join(dir, 'missing'), now)).toEqual([]);
  });

  it('`npm start` sweeps orphaned copies when it starts and removes its own when it is stopped', async () => {
    const orphan = join(dir, 'fc-code', `${await deadPid()}@${HOST}`, 'reply-1-1');
    await mkdir(orphan, { recursive: true });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts', 'playground', 'main.ts')],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', PORT: '0', TMPDIR: dir },
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    try {
      let url: string | undefined;
      for (let i = 0; i < 200 && !url; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        url = /➜ {2}(http:\/\/\S+?)\/?\n/.exec(output)?.[1];
      }
      expect(url).toBeDefined();
      expect(existsSync(orphan)).toBe(false);
      // An unsigned callback: the conversation function starts (from a staged copy) and refuses it.
      const refused = await fetch(`${url}/conversation`, { method: 'POST', body: '{}' });
      expect(refused.status).toBe(401);
      const own = join(dir, 'fc-code', `${child.pid}@${HOST}`);
      expect(await readdir(own)).toEqual([expect.stringMatching(/^conversation-/)]);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(existsSync(own)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
