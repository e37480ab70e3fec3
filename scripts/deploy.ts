import { join } from 'node:path';
import { parseCliOptions, runCli } from './lib/cli';
import { runDeploy } from './lib/run-deploy';

// `npm run deploy` builds dist/ and then runs this: it reads .env with the parser npm run doctor uses and hands the
// values to `s deploy` in its environment, untouched by a shell (no `source .env`, which mangles spaces, quotes,
// JSON and backslashes).

const USAGE = `Deploys both functions with Serverless Devs (run it as npm run deploy, which builds dist/ first).

Usage: npm run deploy [-- --env-file <path>]     (default: .env in the repository root)

The file is read with the same parser as npm run doctor; variables set in your shell win over it. Its values reach
\`s deploy\` exactly as written: spaces, quotes, JSON and backslashes included.`;
/** Tests point this at a Node script that stands in for `npx -y @serverless-devs/s@3`; never set otherwise. */
const S_SCRIPT = 'CONNECTOR_DEPLOY_S_SCRIPT';

async function main(argv: string[]): Promise<number> {
  const parsed = parseCliOptions(argv, ['env-file'], USAGE);
  if (parsed.exitCode !== undefined) return parsed.exitCode;
  const { [S_SCRIPT]: sScript, ...shellEnv } = process.env;
  return runDeploy({
    root: join(__dirname, '..'),
    envFile: parsed.values['env-file'],
    shellEnv,
    sScript,
    log: (line) => console.log(line),
    error: (line) => console.error(line),
  });
}

runCli('deploy', () => main(process.argv.slice(2)));
