import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../../src/config/read-env';
import { readEnv } from '../../src/config/read-env';
import type { SYamlCheck } from './check-s-yaml';
import { readDotEnv } from './load-dot-env';

// The variables `s deploy` reads (s.yaml's env() calls), checked the way npm run doctor and npm run deploy both
// need: set to real values (not .env.example's examples), well-formed, and free of what Serverless Devs rewrites.
// Every message names variables, never their values.

/** s.yaml's text and .env.example's values, read with the same parser as .env. */
export interface DeployFiles {
  sYaml: string;
  example: Readonly<Record<string, string>>;
}

export function readDeployFiles(root: string): DeployFiles {
  return {
    sYaml: readFileSync(join(root, 's.yaml'), 'utf8'),
    example: readDotEnv(join(root, '.env.example')) ?? {},
  };
}

/** Every variable s.yaml reads with env(), in order of first use. */
export function sYamlEnvNames(sYaml: string): string[] {
  return [...new Set([...sYaml.matchAll(/\$\{env\('([A-Z0-9_]+)'/g)].map((match) => match[1] ?? ''))];
}

/** Variables s.yaml reads with env() and no default: `s deploy` aborts when one is unset. */
export function requiredDeployNames(sYaml: string): string[] {
  return [...new Set([...sYaml.matchAll(/\$\{env\('([A-Z0-9_]+)'\)\}/g)].map((match) => match[1] ?? ''))];
}

/**
 * .env.example's values that are examples rather than defaults: those of the variables s.yaml requires (a
 * default would make the variable optional). A .env copied from .env.example still holding one is not filled in.
 */
export function examplePlaceholders(files: DeployFiles): Record<string, string> {
  return Object.fromEntries(
    requiredDeployNames(files.sYaml).flatMap((name) => {
      const example = readEnv(files.example, [name])?.value;
      return example ? [[name, example]] : [];
    }),
  );
}

const ROLE_ARN = /^acs:ram::(\d+):role\/[A-Za-z0-9._-]{1,64}$/;
// OSS bucket names: 3-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit.
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** The account id in a RAM role ARN, or undefined when it is not one. */
export function roleArnAccountId(arn: string | undefined): string | undefined {
  return ROLE_ARN.exec(arn ?? '')?.[1];
}

/**
 * Whether `value` is still .env.example's example for `name`: the same value, or for FC_ROLE_ARN any role in the
 * example account (the role name alone may well be the one the README suggests).
 */
export function isExampleValue(name: string, value: string, files: DeployFiles): boolean {
  const example = examplePlaceholders(files)[name];
  if (example === undefined) return false;
  if (value === example) return true;
  const exampleAccount = roleArnAccountId(example);
  return exampleAccount !== undefined && roleArnAccountId(value) === exampleAccount;
}

/** Why the variable cannot be deployed as it is (unset, an example, malformed), or undefined when it can. */
export function deployValueProblem(name: string, env: Env, files: DeployFiles): string | undefined {
  const value = readEnv(env, [name])?.value;
  if (value === undefined) return `${name} is not set`;
  if (isExampleValue(name, value, files)) return `${name} still holds .env.example's example value`;
  if (name === 'FC_ROLE_ARN' && !ROLE_ARN.test(value)) {
    return 'FC_ROLE_ARN must be a role ARN, acs:ram::<account id>:role/<role name> (RAM console → 角色 → the role → ARN)';
  }
  if (name === 'HISTORY_BUCKET' && !BUCKET_NAME.test(value)) {
    return 'HISTORY_BUCKET must be an OSS bucket name: 3 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit';
  }
  return undefined;
}

// Serverless Devs re-renders a value holding ${…} as a template, and expands $NAME (and unescapes \$) in the
// values of the .env file beside s.yaml, which it loads itself (dotenv-expand): such a value would not arrive.
const REWRITTEN = /\$[{\w]|\\\$/;
// biome-ignore lint/suspicious/noTemplateCurlyInString: the message names Serverless Devs' own template syntax.
const REWRITE_REASON = 'Serverless Devs re-templates ${…} and expands $NAME in the values it deploys';

/** Variables s.yaml reads whose values Serverless Devs would rewrite before they reach the function. */
export function findRewrittenValues(env: Env, files: DeployFiles): string[] {
  return sYamlEnvNames(files.sYaml).filter((name) => REWRITTEN.test(env[name] ?? ''));
}

const ROLE_AND_BUCKET = ['FC_ROLE_ARN', 'HISTORY_BUCKET'];

/** The deploy variables' checks, for the doctor and for npm run deploy, which refuses to deploy on a problem. */
export function checkDeployEnv(env: Env, files: DeployFiles): SYamlCheck[] {
  const required = requiredDeployNames(files.sYaml);
  const unset = required.filter((name) => readEnv(env, [name]) === undefined);
  const examples = required.filter((name) => {
    const value = readEnv(env, [name])?.value;
    return value !== undefined && isExampleValue(name, value, files);
  });
  const requiredProblems: string[] = [];
  if (unset.length > 0) {
    const them = unset.length > 1 ? 'them' : 'it';
    requiredProblems.push(`set ${unset.join(', ')}: s deploy needs ${them} (see .env.example)`);
  }
  if (examples.length > 0) {
    const hold = examples.length > 1 ? 'hold' : 'holds';
    requiredProblems.push(
      `${examples.join(', ')} still ${hold} .env.example's example value: put in your own`,
    );
  }

  const checkable = ROLE_AND_BUCKET.filter((name) => !unset.includes(name) && !examples.includes(name));
  const rewritten = findRewrittenValues(env, files);
  return [
    { name: 'variables s.yaml requires are set', problems: requiredProblems },
    checkable.length > 0
      ? {
          name: 'FC_ROLE_ARN and HISTORY_BUCKET are well-formed',
          problems: checkable.flatMap((name) => deployValueProblem(name, env, files) ?? []),
        }
      : {
          name: 'FC_ROLE_ARN and HISTORY_BUCKET are well-formed',
          problems: [],
          skipped: 'set FC_ROLE_ARN and HISTORY_BUCKET first',
        },
    {
      name: 'values reach the functions as written',
      problems:
        rewritten.length > 0
          ? [
              `${rewritten.join(', ')} ${rewritten.length > 1 ? 'contain' : 'contains'} $: ${REWRITE_REASON}, ` +
                'so the function would get something else: write it without $',
            ]
          : [],
    },
  ];
}
