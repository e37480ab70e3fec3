import { join } from 'node:path';
import { parseCliOptions, runCli } from './lib/cli';
import { readDeployFiles } from './lib/deploy-env';
import { readConfiguration } from './lib/load-dot-env';
import { buildRamPolicy, MODERATION_ACTION, ramPolicyInputs } from './lib/ram-policy';

const ROOT = join(__dirname, '..');
const USAGE = `Prints the RAM policy the function role (FC_ROLE_ARN) needs, filled in from the configuration npm run deploy
would use (your shell's variables over the .env file): REGION, the account id in FC_ROLE_ARN, REPLY_FUNCTION_NAME,
HISTORY_BUCKET and MODERATION.

Usage: npm run policy [-- [--env-file <path>] [--log-project <name>] [--logstore <name>]]

--log-project / --logstore: the SLS project and logstore, when s deploy printed names other than fc3's usual
serverless-<region>-… and default-logs. The policy goes to stdout (paste it in the RAM console); notes go to stderr.`;

function main(argv: string[]): number {
  const parsed = parseCliOptions(argv, ['env-file', 'log-project', 'logstore'], USAGE);
  if (parsed.exitCode !== undefined) return parsed.exitCode;
  const { values } = parsed;
  const configuration = readConfiguration(ROOT, values['env-file'], process.env);
  if ('error' in configuration) {
    console.error(`error: ${configuration.error}`);
    return 2;
  }
  const result = ramPolicyInputs(configuration.env, readDeployFiles(ROOT));
  if (result.problems) {
    console.error(`error: ${result.problems.join('; ')}: the policy is built from them (see .env.example)`);
    return 1;
  }
  const { inputs } = result;
  const logs = {
    ...(values['log-project'] ? { logProject: values['log-project'] } : {}),
    ...(values.logstore ? { logstore: values.logstore } : {}),
  };
  console.log(JSON.stringify(buildRamPolicy({ ...inputs, ...logs }), null, 2));
  console.error(
    'RAM console → 权限管理 → 权限策略 → 创建权限策略 → 脚本编辑: paste the policy above, then grant it to the role ' +
      '(角色 → 新增授权).',
  );
  if (inputs.moderation) {
    console.error(
      `MODERATION=aliyun: the policy includes ${MODERATION_ACTION}. Activate Text Moderation 2.0 first ` +
        '(内容安全控制台 → 开通 文本审核增强版), or with MODERATION_FAIL=closed every question is refused.',
    );
  }
  return 0;
}

runCli('policy', () => main(process.argv.slice(2)));
