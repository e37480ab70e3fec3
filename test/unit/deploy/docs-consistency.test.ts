import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMemorySizes } from '../../../scripts/bench/gb-seconds';
import {
  buildRamPolicy,
  MODERATION_ACTION,
  OSS_MOUNT_ACTIONS,
  POLICY_PLACEHOLDERS,
} from '../../../scripts/lib/ram-policy';
import { CONVERSATION_ENV_NAMES, loadConversationConfig } from '../../../src/config/conversation-config';
import { loadReplyConfig, REPLY_ENV_NAMES } from '../../../src/config/reply-config';

const ROOT = join(__dirname, '..', '..', '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const sYaml = readFileSync(join(ROOT, 's.yaml'), 'utf8');
const envExample = readFileSync(join(ROOT, '.env.example'), 'utf8');
const [readmeZh = '', readmeEn = ''] = readme.split('\n## English\n');
const example = Object.fromEntries(
  readFileSync(join(ROOT, '.env.example'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);
const ROLE_CREDENTIALS = [
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
];
const LEGACY = [
  'CHATGPT_FUNCTION',
  'SERVICE_NAME',
  'ENDPOINT',
  'VERBOSE',
  'CHATGPT_API_KEY',
  'USER_API_KEY',
  'OSS_MOUNT_POINT',
  'TIMEOUT',
];
const configNames = [...new Set([...CONVERSATION_ENV_NAMES, ...REPLY_ENV_NAMES])];
// Read by the function under one name, set at deploy time under another (s.yaml maps them).
const DEPLOY_NAMES: Record<string, string> = {
  HTTPS_PROXY: 'REPLY_HTTPS_PROXY',
  https_proxy: 'REPLY_HTTPS_PROXY',
};
const currentNames = configNames
  .filter((name) => !LEGACY.includes(name) && !ROLE_CREDENTIALS.includes(name))
  .map((name) => DEPLOY_NAMES[name] ?? name);
const sYamlEnvRefs = [...sYaml.matchAll(/env\('([A-Z0-9_]+)'/g)].map((match) => match[1] as string);
const sYamlEnvKeys = [...sYaml.matchAll(/^\s{8}([A-Z][A-Z0-9_]*):/gm)].map((match) => match[1] as string);

describe('README, .env.example, s.yaml and the config schemas stay in step', () => {
  it('.env.example lists every current variable the functions read', () => {
    expect(currentNames.filter((name) => !(name in example))).toEqual([]);
  });

  it('the README documents every variable, legacy names and role credentials included', () => {
    expect(configNames.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });

  it('.env.example holds nothing the code or s.yaml does not read', () => {
    const known = new Set([...configNames, ...sYamlEnvRefs]);
    expect(Object.keys(example).filter((name) => !known.has(name))).toEqual([]);
  });

  it('every env() reference in s.yaml is in .env.example, and every variable reaches s.yaml except FC 2.0-only and diagnostic ones', () => {
    expect(sYamlEnvRefs.filter((name) => !(name in example))).toEqual([]);
    const inYaml = new Set([...sYamlEnvRefs, ...sYamlEnvKeys]);
    expect(
      Object.keys(example)
        .filter((name) => !inYaml.has(name))
        .sort(),
    ).toEqual(['HISTORY_VOLUME_LATENCY_MS', 'REPLY_SERVICE_NAME']);
  });

  it('.env.example values are the code defaults', () => {
    const withExample = { ...example, DINGTALK_APP_SECRET: 's', OPENAI_API_KEY: 'k' };
    expect(loadConversationConfig(withExample)).toEqual(loadConversationConfig({ DINGTALK_APP_SECRET: 's' }));
    expect(loadReplyConfig(withExample)).toEqual(loadReplyConfig({ OPENAI_API_KEY: 'k' }));
  });

  it('s.yaml defaults are the code defaults', () => {
    const defaults = Object.fromEntries(
      [...sYaml.matchAll(/env\('([A-Z0-9_]+)', '([^']*)'\)/g)].map((match) => [match[1], match[2]]),
    );
    for (const [name, value] of Object.entries(defaults)) {
      if (name in example && example[name] !== '')
        expect(`${name}=${value}`).toBe(`${name}=${example[name]}`);
    }
  });
});

describe('the deploy documentation says what s.yaml and the scripts do', () => {
  it("the README's RAM policy is the one npm run policy prints, with placeholders for the user's values", () => {
    const block = /### 部署步骤[\s\S]*?```json\n([\s\S]*?)```/.exec(readmeZh)?.[1] ?? '';
    expect(JSON.parse(block)).toEqual(buildRamPolicy({ ...POLICY_PLACEHOLDERS, moderation: false }));
  });

  it.each([
    ['Chinese', readmeZh],
    ['English', readmeEn],
  ])(
    'the %s deploy steps name every permission and console step, and where the logs are',
    (_language, half) => {
      const needed = [
        'npm run policy',
        'fc:InvokeFunction',
        ...OSS_MOUNT_ACTIONS,
        'log:PostLogStoreLogs',
        `"Action": "${MODERATION_ACTION}"`,
        '文本审核增强版',
        'Text Moderation 2.0',
        'qyapi_robot_sendmsg',
        'Card.Instance.Write',
        'Card.Streaming.Write',
        '消息接收地址',
        '版本管理与发布',
        '群设置 → 机器人 → 添加机器人',
        '`logConfig: auto`',
        '`default-logs`',
        '函数计算 FC 3.0 控制台 → 函数',
        '`"<msgId>"`',
        'ram:PassRole',
      ];
      expect(needed.filter((text) => !half.includes(text))).toEqual([]);
      expect(half).not.toMatch(/see the FC logs|查看 FC 日志/);
    },
  );

  it('no step sources .env: npm run deploy reads it with the parser npm run doctor uses', () => {
    for (const text of [readme, envExample, sYaml]) expect(text).not.toMatch(/set -a|source \.env[;&]/);
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.deploy).toBe(
      'npm run build && tsx scripts/deploy.ts',
    );
    expect(envExample).toContain('`npm run deploy` reads this file itself');
  });

  it("says the bucket's root is mounted, as s.yaml does, and the GB-seconds follow reply's memory", () => {
    expect(sYaml).toContain('bucketPath: /\n');
    expect(readmeZh).toContain('整个 Bucket（根目录 `/`）');
    expect(readmeEn).toContain('the whole bucket (its root, `/`)');
    const row = readme.split('\n').find((line) => line.startsWith('| `gb_seconds_per_1000_messages`')) ?? '';
    expect(row).toContain(`${readMemorySizes().reply} MB`);
  });
});
