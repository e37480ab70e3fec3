import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readMemorySizes } from '../../../scripts/bench/gb-seconds';
import {
  checkAsyncInvoke,
  checkBundle,
  checkCpuMemoryRatio,
  checkEnvNames,
  checkHistoryMount,
  checkLogConfig,
  checkMountMemory,
  checkProjectShape,
  checkPropsSchema,
  checkReplyTimeout,
  checkSYaml,
  checkWiring,
  deployedLlmTimeoutMs,
} from '../../../scripts/lib/check-s-yaml';
import { requiredDeployNames } from '../../../scripts/lib/deploy-env';
import type { Fc3Props } from '../../../scripts/lib/fc3-props-schema';
import { fc3PropsSchema } from '../../../scripts/lib/fc3-props-schema';
import { renderSYaml } from '../../../scripts/lib/render-s-yaml';
import { CONVERSATION_ENV_NAMES } from '../../../src/config/conversation-config';
import { REPLY_ENV_NAMES } from '../../../src/config/reply-config';

// The checks live in scripts/lib/check-s-yaml.ts so that `npm run doctor` runs exactly these before a deploy.

const ROOT = join(__dirname, '..', '..', '..');
const text = readFileSync(join(ROOT, 's.yaml'), 'utf8');
const sYaml = renderSYaml(text);
const props = (name: string): Fc3Props => fc3PropsSchema.parse(sYaml.resources[name]?.props);

describe('s.yaml', () => {
  it('is a Serverless Devs 3 project of two fc3 resources', () => {
    expect(checkProjectShape(sYaml)).toEqual([]);
  });

  it.each(['conversation', 'reply'])('%s has only keys and values fc3 accepts', (name) => {
    expect(checkPropsSchema(name, sYaml.resources[name]?.props)).toEqual([]);
  });

  it.each(['conversation', 'reply'])('%s keeps the vCPU:memory ratio between 1:1 and 1:4', (name) => {
    expect(checkCpuMemoryRatio(name, props(name))).toEqual([]);
  });

  it.each([
    ['conversation', CONVERSATION_ENV_NAMES],
    ['reply', REPLY_ENV_NAMES],
  ] as const)('%s sets only variables its config reads, within 4 KB', (name, known) => {
    expect(checkEnvNames(name, props(name), known)).toEqual([]);
  });

  it('gives reply a timeout that covers the chat budget and delivery', () => {
    expect(deployedLlmTimeoutMs(props('reply'))).toBe(55_000);
    expect(checkReplyTimeout(props('reply'), deployedLlmTimeoutMs(props('reply')))).toEqual([]);
  });

  it('mounts the history bucket where HISTORY_DIR points', () => {
    expect(checkHistoryMount(props('reply'))).toEqual([]);
  });

  it('mounts the bucket root, so a fresh, empty bucket works (a sub-path would have to exist already)', () => {
    expect(props('reply').ossMountConfig?.mountPoints.map((mount) => mount.bucketPath)).toEqual(['/']);
  });

  it('gives reply the 512 MB FC advises with an OSS mount, and the GB-second figures follow', () => {
    expect(props('reply').memorySize).toBe(512);
    expect(checkMountMemory('reply', props('reply'))).toEqual([]);
    expect(readMemorySizes()).toEqual({
      conversation: props('conversation').memorySize,
      reply: props('reply').memorySize,
    });
  });

  it.each(['conversation', 'reply'])('%s keeps its logs (logConfig: auto)', (name) => {
    expect(props(name).logConfig).toBe('auto');
    expect(checkLogConfig(name, props(name))).toEqual([]);
  });

  it('turns on task mode and keeps queued events younger than the 90-minute webhook', () => {
    expect(checkAsyncInvoke(props('reply'))).toEqual([]);
  });

  it('lets conversation reach reply by name through an anonymous POST trigger', () => {
    expect(checkWiring(props('conversation'), props('reply'))).toEqual([]);
  });

  it.each(['conversation', 'reply'])('%s code path holds a bundle exporting the handler', (name) => {
    expect(checkBundle(ROOT, name, props(name).code)).toEqual([]);
  });

  it('needs only the deploy variables .env.example tells people to fill in', () => {
    expect(requiredDeployNames(text).sort()).toEqual([
      'DINGTALK_APP_SECRET',
      'FC_ROLE_ARN',
      'HISTORY_BUCKET',
    ]);
  });
});

describe('the s.yaml checks catch what they guard against', () => {
  const reply = props('reply');
  const conversation = props('conversation');
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('renders env() from the checked environment, so the timeout check sees the configured LLM_TIMEOUT', () => {
    const configured = fc3PropsSchema.parse(renderSYaml(text, { LLM_TIMEOUT: '90' }).resources.reply?.props);
    expect(configured.environmentVariables.LLM_TIMEOUT).toBe('90');
    expect(checkReplyTimeout(configured, deployedLlmTimeoutMs(configured))).toEqual([
      expect.stringContaining('at least 150'),
    ]);
    expect(checkReplyTimeout(reply, Number.NaN)).toEqual([expect.stringContaining('LLM_TIMEOUT')]);
  });

  it('reports a wrong edition, resource set or component', () => {
    const broken = renderSYaml(
      text.replace('edition: 3.0.0', 'edition: 2.0.0').replace('component: fc3', 'component: fc'),
    );
    expect(checkProjectShape(broken)).toHaveLength(2);
    expect(checkProjectShape({ ...sYaml, resources: { reply: sYaml.resources.reply! } })).toEqual([
      expect.stringContaining('exactly conversation and reply'),
    ]);
  });

  it('reports keys fc3 does not know and values out of range', () => {
    expect(checkPropsSchema('reply', { ...reply, memmorySize: 256 })).toEqual([
      expect.stringContaining('memmorySize'),
    ]);
    expect(checkPropsSchema('reply', { ...reply, memorySize: 64 })).toEqual([
      expect.stringContaining('reply.props.memorySize'),
    ]);
    expect(checkCpuMemoryRatio('reply', { ...reply, cpu: 2, memorySize: 1024 })).toHaveLength(1);
    expect(checkCpuMemoryRatio('reply', { ...reply, cpu: 0.25, memorySize: 2048 })).toHaveLength(1);
  });

  it('reports variables no config reads and an environment over 4 KB', () => {
    const environmentVariables = { ...reply.environmentVariables, OPENAI_KEY: 'x' };
    expect(checkEnvNames('reply', { ...reply, environmentVariables }, REPLY_ENV_NAMES)).toEqual([
      expect.stringContaining('OPENAI_KEY'),
    ]);
    const huge = { ...reply.environmentVariables, SYSTEM_PROMPT: 'x'.repeat(4096) };
    expect(checkEnvNames('reply', { ...reply, environmentVariables: huge }, REPLY_ENV_NAMES)).toEqual([
      expect.stringContaining('4 KB'),
    ]);
  });

  it('reports a mount elsewhere or read-only, task mode off, old events and a wrongly wired trigger', () => {
    const mountPoint = reply.ossMountConfig?.mountPoints[0];
    if (!mountPoint) throw new Error('s.yaml has no mount point');
    const readOnly = { mountPoints: [{ ...mountPoint, readOnly: true, mountDir: '/mnt/other' }] };
    expect(checkHistoryMount({ ...reply, ossMountConfig: readOnly })).toHaveLength(2);
    const async = { asyncTask: false, maxAsyncRetryAttempts: 2, maxAsyncEventAgeInSeconds: 7200 };
    expect(checkAsyncInvoke({ ...reply, asyncInvokeConfig: async })).toHaveLength(2);
    const trigger = conversation.triggers?.[0];
    if (!trigger) throw new Error('s.yaml has no trigger');
    const open = [
      { ...trigger, triggerConfig: { ...trigger.triggerConfig, methods: ['GET' as const, 'POST' as const] } },
    ];
    expect(
      checkWiring({ ...conversation, triggers: open }, { ...reply, functionName: 'other' }),
    ).toHaveLength(2);
    expect(checkWiring(conversation, { ...reply, triggers: conversation.triggers })).toHaveLength(1);
  });

  it('reports a sub-path mount, too little memory beside a mount, and a function without logConfig', () => {
    const mountPoint = reply.ossMountConfig?.mountPoints[0];
    if (!mountPoint) throw new Error('s.yaml has no mount point');
    const subPath = { mountPoints: [{ ...mountPoint, bucketPath: '/dingtalk-history' }] };
    expect(checkHistoryMount({ ...reply, ossMountConfig: subPath })).toEqual([
      expect.stringContaining('bucketPath: /'),
    ]);
    expect(checkMountMemory('reply', { ...reply, memorySize: 256 })).toEqual([
      expect.stringContaining('at least 512 MB'),
    ]);
    expect(checkMountMemory('conversation', { ...conversation, memorySize: 128 })).toEqual([]);
    const { logConfig: _omitted, ...withoutLogs } = conversation;
    expect(checkLogConfig('conversation', withoutLogs)).toEqual([expect.stringContaining('logConfig: auto')]);
    const named = { project: 'p', logstore: 'l', enableRequestMetrics: true, logBeginRule: 'DefaultRegex' };
    expect(checkPropsSchema('reply', { ...reply, logConfig: named })).toEqual([]);
    expect(checkPropsSchema('reply', { ...reply, logConfig: 'on' })).toHaveLength(1);
  });

  it('sends people to npm run build when a bundle is missing', () => {
    const empty = mkdtempSync(join(tmpdir(), 's-yaml-root-'));
    dirs.push(empty);
    expect(checkBundle(empty, 'reply', './dist/reply')).toEqual([expect.stringContaining('npm run build')]);
  });

  it('reports an s.yaml that does not render instead of failing the doctor', () => {
    const root = mkdtempSync(join(tmpdir(), 's-yaml-root-'));
    dirs.push(root);
    writeFileSync(join(root, 's.yaml'), text.replace('vars.region}', 'vars.regoin}'));
    expect(checkSYaml({ root, env: {} })).toEqual([
      { name: 's.yaml renders', problems: [expect.stringContaining('vars.regoin')] },
    ]);
  });

  it('runs every check for the doctor, all passing on this repository with its deploy variables set', () => {
    const env = {
      FC_ROLE_ARN: 'acs:ram::1:role/r',
      HISTORY_BUCKET: 'b',
      DINGTALK_APP_SECRET: 's',
      OPENAI_API_KEY: 'k',
    };
    const checks = checkSYaml({ root: ROOT, env });
    expect(checks.filter((check) => check.problems.length > 0 || check.skipped)).toEqual([]);
    expect(checks.length).toBeGreaterThanOrEqual(6);
    const slow = checkSYaml({ root: ROOT, env: { ...env, LLM_TIMEOUT: '30' }, llmTimeoutMs: 200_000 });
    expect(slow.find((check) => check.name.startsWith('reply timeout'))?.problems).toEqual([
      expect.stringContaining('at least 260'),
    ]);
  });
});
