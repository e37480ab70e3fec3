import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** How a script run ended: its exit code, and what it printed (`output` is both streams as they came). */
export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
  output: string;
}

/** Runs scripts/<script> under tsx in its own process, in the repository, with only PATH plus `env` set. */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', script), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    const run: ScriptRun = { code: null, stdout: '', stderr: '', output: '' };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      run.stdout += chunk;
      run.output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      run.stderr += chunk;
      run.output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ ...run, code }));
  });
}
