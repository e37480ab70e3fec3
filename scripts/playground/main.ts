import { startPlayground } from './playground';

// `npm start`: the whole connector on this machine. The bundles are built by the npm script before this runs.
async function main(): Promise<void> {
  const port = Number(process.env.PORT || 8080);
  const cards = process.env.PLAYGROUND_CARDS !== 'off';
  const playground = await startPlayground({ port, host: process.env.HOST || '127.0.0.1', cards });
  const model = playground.model.demo
    ? '离线演示模型 offline demo model (no network, no key) — set OPENAI_API_KEY/OPENAI_BASE_URL/OPENAI_MODEL in .env for a real one'
    : `${playground.model.name} @ ${playground.model.baseUrlHost} (from .env)`;
  const { callback } = playground;
  console.log(
    [
      '',
      '  钉钉机器人本地演练场 / DingTalk connector playground',
      `  ➜  ${playground.url}/`,
      `  model: ${model}`,
      '',
      '  在终端里发送签名回调（回答显示在页面的「产品研发群」）/ a signed callback from the terminal:',
      `  npm run callback -- --url ${callback.url} --secret ${callback.secret} --webhook "${callback.webhook}" --group --text 你好`,
      '',
    ].join('\n'),
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void playground.close().then(() => process.exit(0));
    });
  }
}

void main();
