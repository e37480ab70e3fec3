import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONVERSATION_ENV_NAMES } from '../../src/config/conversation-config';
import type { Env } from '../../src/config/read-env';
import { REPLY_ENV_NAMES } from '../../src/config/reply-config';
import { DELIVERY_BUDGET_MS } from '../../src/handlers/reply-budget';
import type { Fc3Props } from './fc3-props-schema';
import { fc3PropsSchema } from './fc3-props-schema';
import type { RenderedSYaml } from './render-s-yaml';
import { renderSYaml } from './render-s-yaml';

// Every check returns the problems it found, each naming the fix; an empty list means the check passed.

/** A Serverless Devs 3 project of exactly two fc3 resources, conversation and reply. */
export function checkProjectShape(sYaml: RenderedSYaml): string[] {
  const problems: string[] = [];
  if (sYaml.edition !== '3.0.0') problems.push('edition must be 3.0.0 (Serverless Devs 3)');
  const names = Object.keys(sYaml.resources).sort();
  if (names.join() !== 'conversation,reply') {
    problems.push(`resources must be exactly conversation and reply, found: ${names.join(', ') || 'none'}`);
  }
  for (const [name, resource] of Object.entries(sYaml.resources)) {
    if (resource?.component !== 'fc3') problems.push(`${name}: component must be fc3`);
  }
  return problems;
}

/** Only keys and values fc3 accepts (a typo or an out-of-range value fails the deploy). */
export function checkPropsSchema(name: string, props: unknown): string[] {
  const result = fc3PropsSchema.safeParse(props);
  if (result.success) return [];
  return result.error.issues.map((issue) => `${[name, 'props', ...issue.path].join('.')}: ${issue.message}`);
}

/** FC 3.0 requires between 1 and 4 GB of memory per vCPU. */
export function checkCpuMemoryRatio(name: string, props: Fc3Props): string[] {
  const ratio = props.memorySize / 1024 / props.cpu;
  if (ratio >= 1 && ratio <= 4) return [];
  return [
    `${name}: memorySize/cpu is ${ratio.toFixed(2)} GB per vCPU; FC needs 1 to 4: adjust cpu or memorySize`,
  ];
}

/** The function gets only variables its config reads, and FC's 4 KB limit on them holds. */
export function checkEnvNames(name: string, props: Fc3Props, known: readonly string[]): string[] {
  const unknown = Object.keys(props.environmentVariables).filter((key) => !known.includes(key));
  const problems = unknown.map((key) => `${name}: environment variable ${key} is not read by the function`);
  const bytes = Buffer.byteLength(JSON.stringify(props.environmentVariables));
  if (bytes >= 4096)
    problems.push(`${name}: environment variables take ${bytes} bytes; FC allows under 4 KB`);
  return problems;
}

/** LLM_TIMEOUT as s.yaml deploys it to reply, in ms (NaN when absent or not a number). */
export function deployedLlmTimeoutMs(reply: Fc3Props): number {
  return Number(reply.environmentVariables.LLM_TIMEOUT ?? Number.NaN) * 1000;
}

/** reply's FC timeout must outlast the chat budget plus history and delivery, or FC kills it mid-answer. */
export function checkReplyTimeout(reply: Fc3Props, llmTimeoutMs: number): string[] {
  if (Number.isNaN(llmTimeoutMs)) return ['reply: LLM_TIMEOUT must be a number of seconds'];
  const neededS = Math.ceil((llmTimeoutMs + DELIVERY_BUDGET_MS) / 1000);
  if (reply.timeout * 1000 >= llmTimeoutMs + DELIVERY_BUDGET_MS) return [];
  return [
    `reply timeout ${reply.timeout} s < LLM_TIMEOUT ${llmTimeoutMs / 1000} s + ${DELIVERY_BUDGET_MS / 1000} s delivery: ` +
      `raise reply's timeout in s.yaml to at least ${neededS}, or lower LLM_TIMEOUT`,
  ];
}

/**
 * The history bucket's root is mounted read-write exactly where HISTORY_DIR points. A sub-path would have to
 * exist in the bucket already, or FC fails every invocation ("bucket path does not exist") after a clean deploy.
 */
export function checkHistoryMount(reply: Fc3Props): string[] {
  const mount = reply.ossMountConfig?.mountPoints[0];
  const problems: string[] = [];
  if (mount?.mountDir !== reply.environmentVariables.HISTORY_DIR) {
    problems.push('reply: ossMountConfig mountDir must equal HISTORY_DIR');
  }
  if (mount?.readOnly !== false) problems.push('reply: the history mount must say readOnly: false');
  if (mount?.bucketPath !== undefined && mount.bucketPath !== '/') {
    problems.push(
      'reply: mount the bucket root (bucketPath: /): FC fails every invocation when a sub-path does not exist in the bucket',
    );
  }
  return problems;
}

/** FC advises at least 512 MB for a function with an OSS mount: ossfs runs beside it. */
export function checkMountMemory(name: string, props: Fc3Props): string[] {
  if (!props.ossMountConfig || props.memorySize >= 512) return [];
  return [
    `${name}: memorySize ${props.memorySize} MB with an OSS mount; FC advises at least 512 MB (ossfs runs beside the function)`,
  ];
}

/** Without logConfig FC 3.0 keeps none of a function's logs. */
export function checkLogConfig(name: string, props: Fc3Props): string[] {
  if (props.logConfig !== undefined) return [];
  return [`${name}: no logConfig, so FC keeps none of its logs: set logConfig: auto`];
}

/** Task mode on (so duplicate task ids are refused), and queued events younger than the 90-minute webhook. */
export function checkAsyncInvoke(reply: Fc3Props): string[] {
  const config = reply.asyncInvokeConfig;
  const problems: string[] = [];
  if (config?.asyncTask !== true) problems.push('reply: asyncInvokeConfig.asyncTask must be true');
  if (!(config && config.maxAsyncEventAgeInSeconds <= 5400)) {
    problems.push(
      'reply: asyncInvokeConfig.maxAsyncEventAgeInSeconds must be at most 5400 (the webhook lives 90 min)',
    );
  }
  return problems;
}

/** conversation reaches reply by name and is the only one with a trigger: anonymous POST. */
export function checkWiring(conversation: Fc3Props, reply: Fc3Props): string[] {
  const problems: string[] = [];
  if (conversation.environmentVariables.REPLY_FUNCTION_NAME !== reply.functionName) {
    problems.push("conversation: REPLY_FUNCTION_NAME must be reply's functionName");
  }
  const trigger = conversation.triggers?.[0]?.triggerConfig;
  if (trigger?.authType !== 'anonymous' || trigger.methods.join() !== 'POST') {
    problems.push('conversation: its HTTP trigger must be anonymous and accept POST only');
  }
  if (reply.triggers !== undefined) problems.push('reply: must have no trigger (conversation invokes it)');
  return problems;
}

/** The code path holds a built bundle exporting `handler`, loaded in a child process so its init stays apart. */
export function checkBundle(root: string, name: string, code: string): string[] {
  const bundle = join(root, code, 'index.js');
  if (!existsSync(bundle)) return [`${name}: ${code}/index.js is missing: run npm run build`];
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      'const m = require(process.argv[1]); process.stdout.write("\\n@@handler:" + typeof m.handler + "\\n")',
      bundle,
    ],
    { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 30_000 },
  );
  const type = /@@handler:(\w+)/.exec(probe.stdout ?? '')?.[1];
  if (type === 'function') return [];
  return [
    `${name}: ${code}/index.js ${type ? 'does not export handler' : 'fails to load'}: run npm run build`,
  ];
}

/** One named result of {@link checkSYaml}; `skipped` says why it could not run. */
export interface SYamlCheck {
  name: string;
  problems: string[];
  skipped?: string;
}

/** Every s.yaml check against the build in `root`, rendering s.yaml with `env` (the configuration to deploy). */
export function checkSYaml(options: { root: string; env: Env; llmTimeoutMs?: number }): SYamlCheck[] {
  const text = readFileSync(join(options.root, 's.yaml'), 'utf8');
  let sYaml: RenderedSYaml;
  try {
    sYaml = renderSYaml(text, options.env);
  } catch (error) {
    return [{ name: 's.yaml renders', problems: [`${(error as Error).message.split('\n')[0]}: fix s.yaml`] }];
  }
  const props = (name: string) => fc3PropsSchema.safeParse(sYaml.resources[name]?.props).data;
  const conversation = props('conversation');
  const reply = props('reply');
  const codeOf = (name: string, parsed: Fc3Props | undefined) => parsed?.code ?? `./dist/${name}`;
  const checks: SYamlCheck[] = [
    {
      name: 'bundles are built and export handler',
      problems: [
        ...checkBundle(options.root, 'conversation', codeOf('conversation', conversation)),
        ...checkBundle(options.root, 'reply', codeOf('reply', reply)),
      ],
    },
    {
      name: 's.yaml props are ones fc3 accepts',
      problems: [
        ...checkProjectShape(sYaml),
        ...['conversation', 'reply'].flatMap((name) => checkPropsSchema(name, sYaml.resources[name]?.props)),
        ...(conversation ? checkCpuMemoryRatio('conversation', conversation) : []),
        ...(reply ? checkCpuMemoryRatio('reply', reply) : []),
        ...(reply ? checkMountMemory('reply', reply) : []),
      ],
    },
  ];
  const needsProps = 'fix the s.yaml props first';
  if (!conversation || !reply) {
    for (const name of [
      's.yaml sets only variables the functions read',
      'reply timeout covers LLM_TIMEOUT + delivery',
      's.yaml mounts history and wires conversation to reply',
      'both functions keep their logs',
    ]) {
      checks.push({ name, problems: [], skipped: needsProps });
    }
  } else {
    const llmTimeoutMs = Math.max(deployedLlmTimeoutMs(reply), options.llmTimeoutMs ?? 0);
    checks.push(
      {
        name: 's.yaml sets only variables the functions read',
        problems: [
          ...checkEnvNames('conversation', conversation, CONVERSATION_ENV_NAMES),
          ...checkEnvNames('reply', reply, REPLY_ENV_NAMES),
        ],
      },
      {
        name: 'reply timeout covers LLM_TIMEOUT + delivery',
        problems: checkReplyTimeout(reply, llmTimeoutMs),
      },
      {
        name: 's.yaml mounts history and wires conversation to reply',
        problems: [
          ...checkHistoryMount(reply),
          ...checkAsyncInvoke(reply),
          ...checkWiring(conversation, reply),
        ],
      },
      {
        name: 'both functions keep their logs',
        problems: [...checkLogConfig('conversation', conversation), ...checkLogConfig('reply', reply)],
      },
    );
  }
  return checks;
}
