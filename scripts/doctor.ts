import { join } from 'node:path';
import { ConfigError } from '../src/config/config-error';
import { loadConversationConfig } from '../src/config/conversation-config';
import type { Env } from '../src/config/read-env';
import { readEnv } from '../src/config/read-env';
import type { ReplyConfig } from '../src/config/reply-config';
import { loadReplyConfig } from '../src/config/reply-config';
import { checkAccessTokens } from './lib/check-access-token';
import { checkAppCredentials } from './lib/check-app-credentials';
import { checkCardSettings } from './lib/check-card-settings';
import { checkChatApi } from './lib/check-chat-api';
import { checkHistoryDir } from './lib/check-history-dir';
import type { CheckResult } from './lib/check-result';
import { formatCheckLine } from './lib/check-result';
import type { SYamlCheck } from './lib/check-s-yaml';
import { checkSYaml } from './lib/check-s-yaml';
import { parseCliOptions, runCli } from './lib/cli';
import { checkDeployEnv, readDeployFiles } from './lib/deploy-env';
import { readConfiguration } from './lib/load-dot-env';

const ROOT = join(__dirname, '..');
const USAGE = `Checks the configuration a deploy would see (your shell's variables over the .env file, read with the
same parser as npm run deploy) before you deploy.

Usage: npm run doctor [-- --env-file <path>]     (default: .env in the repository root, if present)

Prints OK, FAIL (with the fix) or SKIP (cannot run here, with why) per check; exit code 1 if any FAIL.`;
// Values of these never reach s.yaml rendering, so no check can echo them.
const SECRET_NAMES = [
  'DINGTALK_APP_SECRET',
  'OPENAI_API_KEY',
  'CHATGPT_API_KEY',
  'USER_API_KEY',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
];

async function main(argv: string[]): Promise<number> {
  const parsed = parseCliOptions(argv, ['env-file'], USAGE);
  if (parsed.exitCode !== undefined) return parsed.exitCode;
  const configuration = readConfiguration(ROOT, parsed.values['env-file'], process.env);
  if ('error' in configuration) {
    console.error(`error: ${configuration.error}`);
    return 2;
  }
  const { envFile, fileEnv, env, shadowed } = configuration;
  console.log(
    fileEnv
      ? `Configuration: ${envFile}, overridden by the shell's variables`
      : 'Configuration: the shell only (no .env file)',
  );
  if (shadowed.length > 0) console.log(`Your shell overrides ${envFile} for ${shadowed.join(', ')}`);

  const results: CheckResult[] = [];
  const report = (result: CheckResult) => {
    results.push(result);
    console.log(formatCheckLine(result));
  };
  report(checkConfig('conversation environment parses', () => loadConversationConfig(env)).result);
  const reply = checkConfig('reply environment parses', () => loadReplyConfig(env));
  report(reply.result);
  report(checkAppCredentials(env));
  const config = reply.config;
  const needsReply = 'cannot run without a valid reply environment (see above)';
  report(
    config ? await checkHistoryDir(config.historyDir) : skip('history directory is writable', needsReply),
  );
  report(config ? await checkChatApi(config) : skip('chat API answers a one-token request', needsReply));
  if (config) report(await checkAccessTokens(config.dingtalkApps, config.dingtalkApiBase));
  else if (readEnv(env, ['DINGTALK_APP_KEY']))
    report(skip('DingTalk access token is obtainable', needsReply));
  else report(await checkAccessTokens([], ''));
  report(await checkCardSettings(env, config));
  for (const check of checkSYaml({ root: ROOT, env: maskSecrets(env), ...withTimeout(config) })) {
    report(toCheckResult(check));
  }
  // These print names only, so they see the real values: the ones `npm run deploy` would hand to s deploy.
  for (const check of checkDeployEnv(env, readDeployFiles(ROOT))) report(toCheckResult(check));

  const count = (status: CheckResult['status']) =>
    results.filter((result) => result.status === status).length;
  console.log(`\n${count('OK')} OK, ${count('FAIL')} FAIL, ${count('SKIP')} SKIP`);
  return count('FAIL') > 0 ? 1 : 0;
}

/** Runs a config loader; a ConfigError's problems name variables only, so they are safe to print. */
function checkConfig<T>(name: string, load: () => T): { result: CheckResult; config?: T } {
  try {
    return { result: { status: 'OK', name }, config: load() };
  } catch (error) {
    const detail = error instanceof ConfigError ? error.problems.join('; ') : 'unexpected error';
    return { result: { status: 'FAIL', name, detail } };
  }
}

function toCheckResult(check: SYamlCheck): CheckResult {
  if (check.skipped) return skip(check.name, check.skipped);
  if (check.problems.length > 0)
    return { status: 'FAIL', name: check.name, detail: check.problems.join('; ') };
  return { status: 'OK', name: check.name };
}

function skip(name: string, why: string): CheckResult {
  return { status: 'SKIP', name, detail: why };
}

function withTimeout(config: ReplyConfig | undefined): { llmTimeoutMs?: number } {
  return config ? { llmTimeoutMs: config.llmTimeoutMs } : {};
}

/** Same lengths (the 4 KB environment limit still holds), none of the characters. */
function maskSecrets(env: Env): Env {
  const masked: Record<string, string | undefined> = { ...env };
  for (const name of SECRET_NAMES) {
    const value = masked[name];
    if (value) masked[name] = 'x'.repeat(value.length);
  }
  return masked;
}

runCli('doctor', () => main(process.argv.slice(2)));
