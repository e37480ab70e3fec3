import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONVERSATION_ENV_NAMES, loadConversationConfig } from '../../../src/config/conversation-config';
import { loadReplyConfig, REPLY_ENV_NAMES } from '../../../src/config/reply-config';

const ROOT = join(__dirname, '..', '..', '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const sYaml = readFileSync(join(ROOT, 's.yaml'), 'utf8');
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

  it('every env() reference in s.yaml is in .env.example, and every variable reaches s.yaml except FC 2.0-only ones', () => {
    expect(sYamlEnvRefs.filter((name) => !(name in example))).toEqual([]);
    const inYaml = new Set([...sYamlEnvRefs, ...sYamlEnvKeys]);
    expect(Object.keys(example).filter((name) => !inYaml.has(name))).toEqual(['REPLY_SERVICE_NAME']);
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
