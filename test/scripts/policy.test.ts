import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScriptRun } from './run-script';
import { runScript } from './run-script';

const APP_SECRET = 'policy-test-app-secret_0123456789abcdefABCDEF';

describe('npm run policy', () => {
  let dir: string;
  let runs = 0;

  /** Runs scripts/print-ram-policy.ts with `envFileText` as its .env file and only PATH in its environment. */
  async function runPolicy(envFileText: string, args: string[] = []): Promise<ScriptRun> {
    runs += 1;
    const envFile = join(dir, `env-${runs}`);
    await writeFile(envFile, envFileText);
    const run = await runScript('print-ram-policy.ts', ['--env-file', envFile, ...args]);
    expect(run.output).not.toContain(APP_SECRET);
    return run;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'policy-test-'));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints the policy JSON for the configured region, account, reply function and bucket', async () => {
    const run = await runPolicy(
      [
        'REGION=cn-shenzhen',
        'FC_ROLE_ARN=acs:ram::1098765432109876:role/dingtalk-connector-fc',
        'HISTORY_BUCKET=acme-dingtalk-history',
        'REPLY_FUNCTION_NAME=acme-reply',
        `DINGTALK_APP_SECRET=${APP_SECRET}`,
      ].join('\n'),
    );
    expect(run.code).toBe(0);
    const policy = JSON.parse(run.stdout) as { Statement: { Action: unknown; Resource: unknown }[] };
    expect(policy.Statement.map((statement) => statement.Resource)).toEqual([
      'acs:fc:cn-shenzhen:1098765432109876:functions/acme-reply',
      [
        'acs:oss:*:1098765432109876:acme-dingtalk-history',
        'acs:oss:*:1098765432109876:acme-dingtalk-history/*',
      ],
      'acs:log:cn-shenzhen:1098765432109876:project/serverless-cn-shenzhen-*/logstore/default-logs',
    ]);
    expect(run.stderr).toContain('创建权限策略');
    expect(run.stderr).not.toContain('TextModerationPlus');
  });

  it('adds the Green permission and the activation step with MODERATION=aliyun, and takes named log resources', async () => {
    const run = await runPolicy(
      [
        'FC_ROLE_ARN=acs:ram::1098765432109876:role/dingtalk-connector-fc',
        'HISTORY_BUCKET=acme-dingtalk-history',
        'MODERATION=aliyun',
      ].join('\n'),
      ['--log-project', 'acme-logs', '--logstore', 'fc'],
    );
    expect(run.code).toBe(0);
    const policy = JSON.parse(run.stdout) as { Statement: { Action: unknown; Resource: unknown }[] };
    expect(policy.Statement.map((statement) => statement.Action)).toContain(
      'yundun-greenweb:TextModerationPlus',
    );
    expect(policy.Statement[2]?.Resource).toBe(
      'acs:log:cn-hangzhou:1098765432109876:project/acme-logs/logstore/fc',
    );
    expect(run.stderr).toContain('文本审核增强版');
  });

  it(".env.example's example role and bucket are refused by name, without printing them", async () => {
    const run = await runPolicy(
      'FC_ROLE_ARN=acs:ram::1234567890123456:role/dingtalk-connector-fc\nHISTORY_BUCKET=my-dingtalk-history\n',
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain("FC_ROLE_ARN still holds .env.example's example value");
    expect(run.stderr).toContain("HISTORY_BUCKET still holds .env.example's example value");
    expect(run.stderr).not.toContain('1234567890123456');
    expect(run.stderr).not.toContain('my-dingtalk-history');
  });
});
