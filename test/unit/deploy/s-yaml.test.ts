import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { CONVERSATION_ENV_NAMES } from '../../../src/config/conversation-config';
import { REPLY_ENV_NAMES } from '../../../src/config/reply-config';
import { DELIVERY_BUDGET_MS } from '../../../src/handlers/reply-budget';

const ROOT = join(__dirname, '..', '..', '..');
const raw = parse(readFileSync(join(ROOT, 's.yaml'), 'utf8')) as Record<string, unknown>;

/** Renders ${env(...)}, ${vars.x} and ${resources.a.props.b} the way Serverless Devs would, with dummies for secrets. */
function render(value: unknown, scope: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([^}]+)\}/g, (_all, expression: string) => {
      const env = /^env\('([A-Z0-9_]+)'(?:,\s*'([^']*)')?\)$/.exec(expression);
      if (env) return env[2] ?? `dummy-${env[1]}`;
      const path = expression.split('.');
      let current: unknown = scope;
      for (const key of path) current = (current as Record<string, unknown>)?.[key];
      if (current === undefined && !expression.startsWith('resources.'))
        throw new Error(`unresolved \${${expression}}`);
      return String(current);
    });
  }
  if (Array.isArray(value)) return value.map((item) => render(item, scope));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, render(item, scope)]));
  }
  return value;
}

const vars = render(raw.vars, {}) as Record<string, unknown>;
const firstPass = render(raw.resources, { vars, resources: {} }) as Record<string, unknown>;
const resources = render(raw.resources, { vars, resources: firstPass }) as Record<
  string,
  { component: string; props: Record<string, unknown> }
>;

// The keys and ranges fc3's schema and the FC 3.0 API accept (function-compute.md §5, §6.1, §8.1); strict, so a typo fails.
const envSchema = z.record(
  z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]*$/)
    .refine((k) => !k.startsWith('FC_')),
  z.string(),
);
const propsSchema = z.strictObject({
  region: z.string().min(1),
  functionName: z.string().regex(/^[_a-zA-Z][-_a-zA-Z0-9]*$/),
  description: z.string().max(256),
  runtime: z.literal('nodejs20'),
  handler: z.literal('index.handler'),
  code: z.string().startsWith('./dist/'),
  cpu: z.number().min(0.05).max(16),
  memorySize: z.number().int().min(128).max(32768).multipleOf(64),
  diskSize: z.union([z.literal(512), z.literal(10240)]),
  timeout: z.number().int().min(1).max(86400),
  internetAccess: z.boolean(),
  role: z.string().min(1),
  environmentVariables: envSchema,
  ossMountConfig: z
    .strictObject({
      mountPoints: z.array(
        z.strictObject({
          bucketName: z.string().min(1),
          bucketPath: z.string().startsWith('/').optional(),
          endpoint: z.string().url(),
          mountDir: z.string().startsWith('/mnt/'),
          readOnly: z.boolean().optional(),
        }),
      ),
    })
    .optional(),
  asyncInvokeConfig: z
    .strictObject({
      qualifier: z.string().optional(),
      asyncTask: z.boolean(),
      maxAsyncRetryAttempts: z.number().int().min(0).max(8),
      maxAsyncEventAgeInSeconds: z.number().int().min(1).max(604800),
    })
    .optional(),
  triggers: z
    .array(
      z.strictObject({
        triggerName: z.string().min(1),
        triggerType: z.literal('http'),
        qualifier: z.string().optional(),
        triggerConfig: z.strictObject({
          authType: z.enum(['anonymous', 'function', 'jwt']),
          methods: z.array(z.enum(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS'])),
          disableURLInternet: z.boolean().optional(),
        }),
      }),
    )
    .optional(),
});

describe('s.yaml', () => {
  it('is a Serverless Devs 3 project of two fc3 resources', () => {
    expect(raw.edition).toBe('3.0.0');
    expect(Object.keys(resources).sort()).toEqual(['conversation', 'reply']);
    for (const resource of Object.values(resources)) expect(resource.component).toBe('fc3');
  });

  it.each(['conversation', 'reply'])('%s has only keys and values fc3 accepts', (name) => {
    const result = propsSchema.safeParse(resources[name]?.props);
    expect(result.success ? [] : result.error.issues).toEqual([]);
  });

  it.each(['conversation', 'reply'])('%s keeps the vCPU:memory ratio between 1:1 and 1:4', (name) => {
    const props = propsSchema.parse(resources[name]?.props);
    const ratio = props.memorySize / 1024 / props.cpu;
    expect(ratio).toBeGreaterThanOrEqual(1);
    expect(ratio).toBeLessThanOrEqual(4);
  });

  it.each([
    ['conversation', CONVERSATION_ENV_NAMES],
    ['reply', REPLY_ENV_NAMES],
  ] as const)('%s sets only variables its config reads, within 4 KB', (name, known) => {
    const env = propsSchema.parse(resources[name]?.props).environmentVariables;
    expect(Object.keys(env).filter((key) => !(known as readonly string[]).includes(key))).toEqual([]);
    expect(Buffer.byteLength(JSON.stringify(env))).toBeLessThan(4096);
  });

  it('gives reply a timeout that covers the chat budget and delivery', () => {
    const props = propsSchema.parse(resources.reply?.props);
    const llmTimeoutMs = Number(props.environmentVariables.LLM_TIMEOUT) * 1000;
    expect(props.timeout * 1000).toBeGreaterThanOrEqual(llmTimeoutMs + DELIVERY_BUDGET_MS);
  });

  it('mounts the history bucket where HISTORY_DIR points', () => {
    const props = propsSchema.parse(resources.reply?.props);
    expect(props.ossMountConfig?.mountPoints[0]?.mountDir).toBe(props.environmentVariables.HISTORY_DIR);
    expect(props.ossMountConfig?.mountPoints[0]?.readOnly).toBe(false);
  });

  it('turns on task mode and keeps queued events younger than the 90-minute webhook', () => {
    const async = propsSchema.parse(resources.reply?.props).asyncInvokeConfig;
    expect(async?.asyncTask).toBe(true);
    expect(async?.maxAsyncEventAgeInSeconds).toBeLessThanOrEqual(5400);
  });

  it('lets conversation reach reply by name through an anonymous POST trigger', () => {
    const conversation = propsSchema.parse(resources.conversation?.props);
    const reply = propsSchema.parse(resources.reply?.props);
    expect(conversation.environmentVariables.REPLY_FUNCTION_NAME).toBe(reply.functionName);
    expect(conversation.triggers?.[0]?.triggerConfig).toMatchObject({
      authType: 'anonymous',
      methods: ['POST'],
    });
    expect(reply.triggers).toBeUndefined();
  });

  it.each(['conversation', 'reply'])('%s code path holds a bundle exporting the handler', (name) => {
    const props = propsSchema.parse(resources[name]?.props);
    const bundle = createRequire(__filename)(join(ROOT, props.code, 'index.js')) as { handler?: unknown };
    expect(typeof bundle.handler).toBe('function');
  });
});
