import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkDeployEnv,
  deployValueProblem,
  examplePlaceholders,
  findRewrittenValues,
  isExampleValue,
  readDeployFiles,
  sYamlEnvNames,
} from '../../../scripts/lib/deploy-env';
import { readDotEnv } from '../../../scripts/lib/load-dot-env';

const ROOT = join(__dirname, '..', '..', '..');
const files = readDeployFiles(ROOT);
const example = readDotEnv(join(ROOT, '.env.example')) ?? {};
// biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless Devs' template syntax, which a value must not hold.
const TEMPLATE = '${name}';
const filled = {
  FC_ROLE_ARN: 'acs:ram::1098765432109876:role/dingtalk-connector-fc',
  HISTORY_BUCKET: 'acme-dingtalk-history',
  DINGTALK_APP_SECRET: 's',
};

describe('the deploy variables npm run doctor and npm run deploy check', () => {
  it(".env.example's examples are the values of the variables s.yaml needs without a default", () => {
    expect(examplePlaceholders(files)).toEqual({
      FC_ROLE_ARN: example.FC_ROLE_ARN,
      HISTORY_BUCKET: example.HISTORY_BUCKET,
    });
    // REGION and the function names are defaults (s.yaml has the same), so they are real values.
    expect(isExampleValue('REGION', example.REGION ?? '', files)).toBe(false);
    expect(isExampleValue('REPLY_FUNCTION_NAME', example.REPLY_FUNCTION_NAME ?? '', files)).toBe(false);
  });

  it("counts the example account id as not set, while the suggested role name in one's own account is fine", () => {
    expect(isExampleValue('FC_ROLE_ARN', example.FC_ROLE_ARN ?? '', files)).toBe(true);
    expect(isExampleValue('FC_ROLE_ARN', 'acs:ram::1234567890123456:role/my-role', files)).toBe(true);
    expect(isExampleValue('FC_ROLE_ARN', filled.FC_ROLE_ARN, files)).toBe(false);
    expect(isExampleValue('HISTORY_BUCKET', 'my-dingtalk-history', files)).toBe(true);
  });

  it('a .env copied from .env.example fails until the role and bucket are filled in, naming them only', () => {
    const checks = checkDeployEnv({ ...example, DINGTALK_APP_SECRET: 's', OPENAI_API_KEY: 'k' }, files);
    expect(checks.find((check) => check.name === 'variables s.yaml requires are set')?.problems).toEqual([
      "FC_ROLE_ARN, HISTORY_BUCKET still hold .env.example's example value: put in your own",
    ]);
    expect(checks.find((check) => check.name.includes('well-formed'))?.skipped).toContain('FC_ROLE_ARN');
    expect(JSON.stringify(checks)).not.toContain('1234567890123456');
    expect(JSON.stringify(checks)).not.toContain('my-dingtalk-history');
  });

  it('passes a filled-in configuration', () => {
    expect(
      checkDeployEnv(filled, files).filter((check) => check.problems.length > 0 || check.skipped),
    ).toEqual([]);
  });

  it('names unset required variables', () => {
    const checks = checkDeployEnv({ HISTORY_BUCKET: ' ' }, files);
    expect(checks[0]?.problems).toEqual([
      'set FC_ROLE_ARN, HISTORY_BUCKET, DINGTALK_APP_SECRET: s deploy needs them (see .env.example)',
    ]);
  });

  it.each([
    ['FC_ROLE_ARN', 'dingtalk-connector-fc'],
    ['FC_ROLE_ARN', 'acs:ram::1098765432109876:role/'],
    ['FC_ROLE_ARN', 'acs:ram:cn-hangzhou:1098765432109876:role/r'],
    ['FC_ROLE_ARN', 'arn:acs:ram::1098765432109876:role/r'],
    ['HISTORY_BUCKET', 'ab'],
    ['HISTORY_BUCKET', 'My-Bucket'],
    ['HISTORY_BUCKET', 'my_bucket'],
    ['HISTORY_BUCKET', '-bucket'],
    ['HISTORY_BUCKET', 'bucket-'],
    ['HISTORY_BUCKET', 'oss://my-bucket'],
    ['HISTORY_BUCKET', 'b'.repeat(64)],
  ])('rejects %s=%s, naming the variable only', (name, value) => {
    const problem = deployValueProblem(name, { ...filled, [name]: value }, files);
    expect(problem).toMatch(new RegExp(`^${name} must be`));
    expect(problem).not.toContain(value);
  });

  it.each([
    ['FC_ROLE_ARN', 'acs:ram::1098765432109876:role/AliyunFCDefaultRole'],
    ['HISTORY_BUCKET', 'abc'],
    ['HISTORY_BUCKET', `a${'0'.repeat(61)}z`],
  ])('accepts %s=%s', (name, value) => {
    expect(deployValueProblem(name, { ...filled, [name]: value }, files)).toBeUndefined();
  });

  it('finds every value Serverless Devs would rewrite: a template, $NAME and \\$', () => {
    const env = {
      SYSTEM_PROMPT: `Call me ${TEMPLATE}`,
      HELP_TEXT: 'Costs US$5',
      REPLY_HTTPS_PROXY: 'http://u:pa$sword@proxy:3128',
      SENSITIVE_WORDS: 'a\\$b',
      ALLOW_USERS: '100$, $ 5',
      // Not read by s.yaml, so never deployed.
      NOT_DEPLOYED: TEMPLATE,
    };
    expect(findRewrittenValues(env, files)).toEqual([
      'SYSTEM_PROMPT',
      'SENSITIVE_WORDS',
      'REPLY_HTTPS_PROXY',
      'HELP_TEXT',
    ]);
    const problems = checkDeployEnv({ ...filled, ...env }, files).flatMap((check) => check.problems);
    expect(problems).toEqual([expect.stringMatching(/^SYSTEM_PROMPT, .* contain \$: Serverless Devs/)]);
    for (const value of Object.values(env)) expect(problems.join()).not.toContain(value);
  });

  it('covers every variable s.yaml reads', () => {
    expect(sYamlEnvNames(files.sYaml)).toEqual(
      expect.arrayContaining(['REGION', 'FC_ROLE_ARN', 'HISTORY_BUCKET', 'SYSTEM_PROMPT', 'LLM_FALLBACKS']),
    );
  });
});
