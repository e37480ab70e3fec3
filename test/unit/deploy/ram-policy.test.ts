import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDeployFiles } from '../../../scripts/lib/deploy-env';
import { buildRamPolicy, OSS_MOUNT_ACTIONS, ramPolicyInputs } from '../../../scripts/lib/ram-policy';

const files = readDeployFiles(join(__dirname, '..', '..', '..'));
const env = {
  FC_ROLE_ARN: 'acs:ram::1098765432109876:role/dingtalk-connector-fc',
  HISTORY_BUCKET: 'acme-dingtalk-history',
};

describe('the RAM policy of the function role', () => {
  it('lets conversation invoke reply, reply mount the bucket read-write, and both write their logs', () => {
    const policy = buildRamPolicy({
      region: 'cn-shanghai',
      accountId: '1098765432109876',
      replyFunctionName: 'my-reply',
      bucket: 'acme-dingtalk-history',
      moderation: false,
    });
    expect(policy).toEqual({
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'fc:InvokeFunction',
          Resource: 'acs:fc:cn-shanghai:1098765432109876:functions/my-reply',
        },
        {
          Effect: 'Allow',
          Action: OSS_MOUNT_ACTIONS,
          Resource: [
            'acs:oss:*:1098765432109876:acme-dingtalk-history',
            'acs:oss:*:1098765432109876:acme-dingtalk-history/*',
          ],
        },
        {
          Effect: 'Allow',
          Action: 'log:PostLogStoreLogs',
          Resource:
            'acs:log:cn-shanghai:1098765432109876:project/serverless-cn-shanghai-*/logstore/default-logs',
        },
      ],
    });
  });

  it("has every action FC's FAQ lists for a read-write OSS mount", () => {
    expect(OSS_MOUNT_ACTIONS).toEqual(
      expect.arrayContaining([
        'oss:ListObjects',
        'oss:GetObject',
        'oss:PutObject',
        'oss:DeleteObject',
        'oss:ListParts',
        'oss:AbortMultipartUpload',
      ]),
    );
  });

  it('adds Green TextModerationPlus only with moderation on, and takes named log resources', () => {
    const inputs = { region: 'r', accountId: '1', replyFunctionName: 'f', bucket: 'b', moderation: true };
    const policy = buildRamPolicy({ ...inputs, logProject: 'my-project', logstore: 'my-logstore' });
    expect(policy.Statement.at(-1)).toEqual({
      Effect: 'Allow',
      Action: 'yundun-greenweb:TextModerationPlus',
      Resource: '*',
    });
    expect(policy.Statement[2]?.Resource).toBe('acs:log:r:1:project/my-project/logstore/my-logstore');
    expect(JSON.stringify(buildRamPolicy({ ...inputs, moderation: false }))).not.toContain('yundun');
  });

  it("takes its inputs from s.yaml as it would deploy with the configuration: defaults, then the user's values", () => {
    expect(ramPolicyInputs(env, files).inputs).toEqual({
      region: 'cn-hangzhou',
      accountId: '1098765432109876',
      replyFunctionName: 'dingtalk-reply',
      bucket: 'acme-dingtalk-history',
      moderation: false,
    });
    const own = { ...env, REGION: 'cn-beijing', REPLY_FUNCTION_NAME: 'bot-reply', MODERATION: 'Aliyun' };
    expect(ramPolicyInputs(own, files).inputs).toMatchObject({
      region: 'cn-beijing',
      replyFunctionName: 'bot-reply',
      moderation: true,
    });
  });

  it('names the variables it needs when they are unset, examples or malformed', () => {
    expect(ramPolicyInputs({}, files).problems).toEqual([
      'FC_ROLE_ARN is not set',
      'HISTORY_BUCKET is not set',
    ]);
    const examples = {
      FC_ROLE_ARN: 'acs:ram::1234567890123456:role/x',
      HISTORY_BUCKET: 'my-dingtalk-history',
    };
    expect(ramPolicyInputs(examples, files).problems).toEqual([
      "FC_ROLE_ARN still holds .env.example's example value",
      "HISTORY_BUCKET still holds .env.example's example value",
    ]);
    expect(ramPolicyInputs({ ...env, FC_ROLE_ARN: 'my-role' }, files).problems).toEqual([
      expect.stringMatching(/^FC_ROLE_ARN must be a role ARN/),
    ]);
  });
});
