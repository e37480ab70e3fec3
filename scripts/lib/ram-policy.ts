import type { Env } from '../../src/config/read-env';
import type { DeployFiles } from './deploy-env';
import { deployValueProblem, roleArnAccountId } from './deploy-env';
import { renderSYaml } from './render-s-yaml';

/** What the function role's policy depends on, as s.yaml deploys it. */
export interface RamPolicyInputs {
  region: string;
  accountId: string;
  replyFunctionName: string;
  bucket: string;
  /** MODERATION=aliyun: reply calls Green TextModerationPlus with the role's credentials. */
  moderation: boolean;
  /** The SLS project and logstore `logConfig: auto` writes to; default: the names fc3 generates. */
  logProject?: string;
  logstore?: string;
}

export interface RamPolicyStatement {
  Effect: 'Allow';
  Action: string | string[];
  Resource: string | string[];
}

export interface RamPolicy {
  Version: '1';
  Statement: RamPolicyStatement[];
}

/** The README shows the policy with these in place of a deployment's values. */
export const POLICY_PLACEHOLDERS = {
  region: '<REGION>',
  accountId: '<ACCOUNT_ID>',
  replyFunctionName: '<REPLY_FUNCTION_NAME>',
  bucket: '<HISTORY_BUCKET>',
} as const;

// FC's FAQ for a read-write OSS mount (ossfs lists, reads, writes, deletes and uploads in parts), plus the bucket
// lookup ossfs makes when it mounts.
export const OSS_MOUNT_ACTIONS = [
  'oss:ListObjects',
  'oss:GetObject',
  'oss:PutObject',
  'oss:DeleteObject',
  'oss:ListParts',
  'oss:AbortMultipartUpload',
  'oss:GetBucketInfo',
];

export const MODERATION_ACTION = 'yundun-greenweb:TextModerationPlus';

/**
 * The least the role both functions run as needs: invoke reply (conversation), mount the history bucket (reply),
 * write both functions' logs, and with moderation on call Green's TextModerationPlus.
 */
export function buildRamPolicy(inputs: RamPolicyInputs): RamPolicy {
  const { region, accountId, bucket } = inputs;
  // fc3's `logConfig: auto` creates project serverless-<region>-<id of the account> and logstore default-logs.
  const project = inputs.logProject ?? `serverless-${region}-*`;
  const logstore = inputs.logstore ?? 'default-logs';
  const statements: RamPolicyStatement[] = [
    {
      Effect: 'Allow',
      Action: 'fc:InvokeFunction',
      Resource: `acs:fc:${region}:${accountId}:functions/${inputs.replyFunctionName}`,
    },
    {
      Effect: 'Allow',
      Action: OSS_MOUNT_ACTIONS,
      Resource: [`acs:oss:*:${accountId}:${bucket}`, `acs:oss:*:${accountId}:${bucket}/*`],
    },
    {
      Effect: 'Allow',
      Action: 'log:PostLogStoreLogs',
      Resource: `acs:log:${region}:${accountId}:project/${project}/logstore/${logstore}`,
    },
  ];
  if (inputs.moderation) statements.push({ Effect: 'Allow', Action: MODERATION_ACTION, Resource: '*' });
  return { Version: '1', Statement: statements };
}

/**
 * The policy's inputs from the configuration to deploy: s.yaml rendered with `env` gives the region, reply's name,
 * the bucket and MODERATION; FC_ROLE_ARN gives the account id. Problems name variables, never values.
 */
export function ramPolicyInputs(
  env: Env,
  files: DeployFiles,
): { inputs: RamPolicyInputs; problems?: undefined } | { inputs?: undefined; problems: string[] } {
  const problems = ['FC_ROLE_ARN', 'HISTORY_BUCKET'].flatMap(
    (name) => deployValueProblem(name, env, files) ?? [],
  );
  if (problems.length > 0) return { problems };
  const reply = renderSYaml(files.sYaml, env).resources.reply?.props as {
    region: string;
    functionName: string;
    environmentVariables: Record<string, string>;
    ossMountConfig: { mountPoints: { bucketName: string }[] };
  };
  return {
    inputs: {
      region: reply.region,
      accountId: roleArnAccountId(env.FC_ROLE_ARN?.trim()) ?? '',
      replyFunctionName: reply.functionName,
      bucket: reply.ossMountConfig.mountPoints[0]?.bucketName ?? '',
      moderation: reply.environmentVariables.MODERATION?.trim().toLowerCase() === 'aliyun',
    },
  };
}
