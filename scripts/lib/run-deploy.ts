import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatCheckLine } from './check-result';
import { checkDeployEnv, readDeployFiles } from './deploy-env';
import { readConfiguration } from './load-dot-env';

export interface DeployOptions {
  /** The repository: s.yaml, .env.example, and where `s deploy` runs. */
  root: string;
  /** The .env file to read; default: .env in `root`. */
  envFile?: string | undefined;
  /** The shell's environment: it wins over the file, as in npm run doctor. */
  shellEnv: Readonly<Record<string, string | undefined>>;
  /** A Node script run in place of `npx -y @serverless-devs/s@3` (tests use a fake that records what it got). */
  sScript?: string | undefined;
  log(line: string): void;
  error(line: string): void;
}

const S_ARGS = ['deploy', '-y'];

/**
 * Reads the .env file with the parser npm run doctor uses, refuses what the deploy checks reject, then runs
 * `s deploy -y` in `root` with those values in its environment, exactly as written; resolves to its exit code.
 */
export async function runDeploy(options: DeployOptions): Promise<number> {
  const defaultEnvFile = join(options.root, '.env');
  const configuration = readConfiguration(options.root, options.envFile, options.shellEnv);
  if ('error' in configuration) {
    options.error(`error: ${configuration.error}`);
    return 2;
  }
  const { envFile, fileEnv, env, shadowed } = configuration;
  if (fileEnv === undefined) {
    options.error(
      `error: ${envFile} does not exist. Create it with cp .env.example .env, fill it in and check it with ` +
        'npm run doctor; or pass --env-file <path>.',
    );
    return 2;
  }
  options.log(`Configuration: ${envFile}, overridden by the shell's variables`);
  if (shadowed.length > 0) options.log(`Your shell overrides ${envFile} for ${shadowed.join(', ')}`);
  if (resolve(envFile) !== defaultEnvFile && existsSync(defaultEnvFile)) {
    options.log(`Note: Serverless Devs also loads ${defaultEnvFile} itself, for variables not set here`);
  }

  const failed = checkDeployEnv(env, readDeployFiles(options.root)).filter(
    (check) => check.problems.length > 0,
  );
  if (failed.length > 0) {
    for (const check of failed) {
      options.error(formatCheckLine({ status: 'FAIL', name: check.name, detail: check.problems.join('; ') }));
    }
    options.error('Not deploying: fix the above (npm run doctor checks everything else too).');
    return 1;
  }

  const { sScript } = options;
  const [command, args] = sScript
    ? [process.execPath, [sScript, ...S_ARGS]]
    : ['npx', ['-y', '@serverless-devs/s@3', ...S_ARGS]];
  options.log(`Running: ${sScript ? `node ${sScript}` : 'npx -y @serverless-devs/s@3'} ${S_ARGS.join(' ')}`);
  const child = spawn(command, args, {
    cwd: options.root,
    env,
    stdio: 'inherit',
    shell: process.platform === 'win32' && !sScript,
  });
  return new Promise((resolveCode) => {
    child.on('error', (error: NodeJS.ErrnoException) => {
      options.error(`error: could not run ${command} (${error.code ?? 'unknown error'}): is npx on PATH?`);
      resolveCode(1);
    });
    child.on('close', (code) => resolveCode(code ?? 1));
  });
}
