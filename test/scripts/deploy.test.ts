import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDeploy as deployWith } from '../../scripts/lib/run-deploy';
import { runScript } from './run-script';

const ROOT = join(__dirname, '..', '..');
const APP_SECRET = 'deploy-test-app-secret_0123456789abcdefABCDEF';
const API_KEY = 'sk-deploy-test-key-0123456789abcdef';
const SECRETS = [APP_SECRET, API_KEY];
// What a shell's `set -a; source .env` used to mangle: spaces, JSON quotes, a literal backslash-n, quotes inside.
const SYSTEM_PROMPT = 'You are a helpful assistant. Answer in 中文, briefly.';
const LLM_FALLBACKS =
  '[{"baseURL":"https://api.deepseek.com/v1","apiKey":"sk-fallback","model":"deepseek-chat"}]';
const HELP_TEXT = '**Commands**\\n- 帮助: this text\\n- 重置: start over';
const SENSITIVE_WORDS = `it's, 'quoted', a#b`;
const QUOTED_PROXY = 'http://proxy.example:3128 "as is"';
const DEPLOY_ENV_FILE = [
  'REGION=cn-shanghai',
  'FC_ROLE_ARN=acs:ram::1098765432109876:role/dingtalk-connector-fc',
  'HISTORY_BUCKET=acme-dingtalk-history',
  `DINGTALK_APP_SECRET=${APP_SECRET}`,
  `OPENAI_API_KEY=${API_KEY}`,
  '# comments and blank lines are skipped',
  '',
  `SYSTEM_PROMPT=${SYSTEM_PROMPT}`,
  `LLM_FALLBACKS=${LLM_FALLBACKS}`,
  `HELP_TEXT=${HELP_TEXT}`,
  `SENSITIVE_WORDS="${SENSITIVE_WORDS}"`,
  `REPLY_HTTPS_PROXY='${QUOTED_PROXY}'`,
  'CARD_UPDATE_MS="800"',
  'LOG_LEVEL=debug # a trailing comment is not part of the value',
].join('\n');

/** What the fake `s` saw: its arguments, working directory and environment. */
interface FakeSRun {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

interface DeployRun {
  code: number | null;
  output: string;
  s?: FakeSRun;
}

describe('npm run deploy', () => {
  let dir: string;
  let fakeS: string;
  let runs = 0;

  /** Runs scripts/deploy.ts against a fake `s` that records what it was handed (npx is never run). */
  async function runDeploy(
    envFileText: string,
    shellEnv: Record<string, string> = {},
    fakeExitCode = 0,
  ): Promise<DeployRun> {
    runs += 1;
    const envFile = join(dir, `env-${runs}`);
    const record = join(dir, `s-run-${runs}.json`);
    await writeFile(envFile, envFileText);
    const { code, output } = await runScript('deploy.ts', ['--env-file', envFile], {
      CONNECTOR_DEPLOY_S_SCRIPT: fakeS,
      FAKE_S_RECORD: record,
      FAKE_S_EXIT: String(fakeExitCode),
      ...shellEnv,
    });
    for (const secret of SECRETS) expect(output).not.toContain(secret);
    const recorded = await readFile(record, 'utf8').catch(() => undefined);
    return { code, output, ...(recorded ? { s: JSON.parse(recorded) as FakeSRun } : {}) };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deploy-test-'));
    fakeS = join(dir, 'fake-s.cjs');
    await writeFile(
      fakeS,
      [
        "const { writeFileSync } = require('node:fs');",
        'const { FAKE_S_RECORD, FAKE_S_EXIT, ...env } = process.env;',
        'writeFileSync(FAKE_S_RECORD, JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd(), env }));',
        'process.exitCode = Number(FAKE_S_EXIT);',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('hands s deploy every .env value exactly as written: spaces, JSON, quotes and a literal backslash-n', async () => {
    const run = await runDeploy(DEPLOY_ENV_FILE);
    expect(run.code).toBe(0);
    expect(run.s?.argv).toEqual(['deploy', '-y']);
    expect(run.s?.cwd).toBe(ROOT);
    expect(run.s?.env).toMatchObject({
      REGION: 'cn-shanghai',
      FC_ROLE_ARN: 'acs:ram::1098765432109876:role/dingtalk-connector-fc',
      HISTORY_BUCKET: 'acme-dingtalk-history',
      DINGTALK_APP_SECRET: APP_SECRET,
      OPENAI_API_KEY: API_KEY,
      SYSTEM_PROMPT,
      LLM_FALLBACKS,
      HELP_TEXT,
      SENSITIVE_WORDS,
      REPLY_HTTPS_PROXY: QUOTED_PROXY,
      CARD_UPDATE_MS: '800',
      LOG_LEVEL: 'debug',
    });
    expect(run.s?.env.HELP_TEXT).toContain('\\n');
    expect(JSON.parse(run.s?.env.LLM_FALLBACKS ?? '')).toHaveLength(1);
    expect(run.s?.env).not.toHaveProperty('CONNECTOR_DEPLOY_S_SCRIPT');
  });

  it("passes s deploy's exit code on", async () => {
    const run = await runDeploy(DEPLOY_ENV_FILE, {}, 3);
    expect(run.s).toBeDefined();
    expect(run.code).toBe(3);
  });

  it("lets the shell's variables win, as the doctor does, and names the ones it overrides", async () => {
    const run = await runDeploy(DEPLOY_ENV_FILE, { SYSTEM_PROMPT: 'from the shell', TIMEZONE: 'UTC' });
    expect(run.s?.env).toMatchObject({ SYSTEM_PROMPT: 'from the shell', TIMEZONE: 'UTC', LLM_FALLBACKS });
    expect(run.output).toMatch(/shell overrides .* for SYSTEM_PROMPT\n/);
  });

  it('stops with the fix when there is no .env file, without running s', async () => {
    // In-process: Node 20 itself rejects a missing --env-file path before any script runs, so only the default
    // (.env in the repository) reaches this message; an empty directory stands in for a fresh clone.
    const root = await mkdtemp(join(dir, 'fresh-clone-'));
    const lines: string[] = [];
    const code = await deployWith({
      root,
      shellEnv: {},
      sScript: fakeS,
      log: (line) => lines.push(line),
      error: (line) => lines.push(line),
    });
    expect(code).toBe(2);
    expect(lines.join('\n')).toContain(`${join(root, '.env')} does not exist`);
    expect(lines.join('\n')).toContain('cp .env.example .env');
  });

  it(".env.example's example role and bucket count as not set", async () => {
    const example = await readFile(join(ROOT, '.env.example'), 'utf8');
    const run = await runDeploy(`${example}\nDINGTALK_APP_SECRET=${APP_SECRET}\nOPENAI_API_KEY=${API_KEY}\n`);
    expect(run.code).toBe(1);
    expect(run.s).toBeUndefined();
    expect(run.output).toContain("FC_ROLE_ARN, HISTORY_BUCKET still hold .env.example's example value");
    expect(run.output).not.toContain('1234567890123456');
    expect(run.output).not.toContain('my-dingtalk-history');
  });

  it('refuses values Serverless Devs would rewrite, naming the variable and never the value', async () => {
    const run = await runDeploy(
      `${DEPLOY_ENV_FILE}\nSYSTEM_PROMPT="Call me \${name}"\nHELP_TEXT=Costs US$5\nREPLY_HTTPS_PROXY=http://u:pa\\$\\$word@proxy:3128\n`,
    );
    expect(run.code).toBe(1);
    expect(run.s).toBeUndefined();
    expect(run.output).toContain('SYSTEM_PROMPT, REPLY_HTTPS_PROXY, HELP_TEXT contain $');
    for (const fragment of ['Call me', 'US$5', 'pa\\$']) expect(run.output).not.toContain(fragment);
  });

  it('refuses a malformed role ARN or bucket name', async () => {
    const run = await runDeploy(
      `${DEPLOY_ENV_FILE}\nFC_ROLE_ARN=dingtalk-connector-fc\nHISTORY_BUCKET=My_Bucket\n`,
    );
    expect(run.code).toBe(1);
    expect(run.s).toBeUndefined();
    expect(run.output).toContain('FC_ROLE_ARN must be a role ARN');
    expect(run.output).toContain('HISTORY_BUCKET must be an OSS bucket name');
    expect(run.output).not.toContain('My_Bucket');
  });
});
