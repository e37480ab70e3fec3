import { describe, expect, it } from 'vitest';
import { defaultAnswer, startChatApi } from '../../scripts/emulators/chat-api';
import { freshMessage } from '../helpers/callbacks';
import type { Connector } from '../helpers/connector';
import { API_KEY, withConnector } from '../helpers/connector';

async function ask(c: Connector, text: string, staffId = 'provider-user') {
  const webhook = c.dingtalk.newSessionWebhook();
  const session = new URL(webhook).searchParams.get('session');
  expect((await c.send(freshMessage({ webhook, text, staffId }))).statusCode).toBe(200);
  await c.settle();
  return c.dingtalk.posts
    .filter((post) => post.session === session)
    .map((post) => String(post.body.markdown.text))
    .join('\n');
}

describe('model providers', () => {
  it('Azure OpenAI: the deployment path with api-version and the api-key header, no OPENAI_API_KEY needed', async () => {
    await withConnector(
      {
        chatOptions: { azure: { deployments: ['gpt-4o-prod'], apiKey: 'azure-secret-key' } },
        replyEnv: ({ chat }) => ({
          OPENAI_API_KEY: '',
          AZURE_OPENAI_ENDPOINT: chat.azureEndpoint,
          AZURE_OPENAI_API_KEY: 'azure-secret-key',
          AZURE_OPENAI_DEPLOYMENT: 'gpt-4o-prod',
        }),
      },
      async (c) => {
        expect(await ask(c, '你好 Azure')).toBe(defaultAnswer('你好 Azure', 0));
        expect(c.chat.requests.at(-1)?.azure).toMatchObject({ deployment: 'gpt-4o-prod' });
        expect(await c.output()).not.toContain('azure-secret-key');
      },
    );
  });

  it('LLM_FALLBACKS: a failing primary hands over to the next endpoint, and the log says so without keys', async () => {
    const backup = await startChatApi({ apiKey: 'sk-backup-key', answer: () => '备用模型的回答' });
    try {
      const fallbacks = JSON.stringify([
        { baseURL: backup.baseUrl, apiKey: 'sk-backup-key', model: 'backup-model' },
      ]);
      await withConnector({ replyEnv: { LLM_FALLBACKS: fallbacks, LLM_TIMEOUT: '10' } }, async (c) => {
        c.chat.script({ kind: 'error', status: 503 });
        expect(await ask(c, '主模型挂了')).toBe('备用模型的回答');
        expect(backup.requests.at(-1)?.model).toBe('backup-model');
        c.chat.script({ kind: 'error', status: 400, message: 'bad request' });
        expect(await ask(c, '主模型拒绝')).toContain('拒绝');
        const output = await c.output();
        expect(output).toContain('switching to a fallback chat API');
        expect(output).not.toContain('sk-backup-key');
        expect(output).not.toContain(API_KEY);
      });
    } finally {
      await backup.close();
    }
  });
});

describe('#图片', () => {
  it('posts a URL image as markdown, uploads base64 images to DingTalk media, and explains when it cannot', async () => {
    await withConnector(
      { chatOptions: { imageModels: ['image-model'] }, replyEnv: { IMAGE_MODEL: 'image-model' } },
      async (c) => {
        c.chat.scriptImages({ kind: 'url', url: 'https://images.example.com/cat.png' });
        expect(await ask(c, '#图片 一只在开会的猫')).toMatch(
          /^!\[一只在开会的猫\]\(https:\/\/images\.example\.com\/cat\.png\)$/,
        );
        c.chat.scriptImages({ kind: 'b64' });
        const uploaded = await ask(c, '#图片 一只猫');
        expect(c.dingtalk.mediaUploads).toHaveLength(1);
        expect(uploaded).toMatch(/^!\[一只猫\]\(@[\w-]+\)$/);
        expect(await ask(c, '#图片')).toContain('用法');
      },
    );
    await withConnector(
      { chatOptions: { imageModels: ['other'] }, replyEnv: { IMAGE_MODEL: 'missing-model' } },
      async (c) => {
        expect(await ask(c, '#图片 一只猫')).toContain('没有可用的图片模型');
      },
    );
    await withConnector({}, async (c) => {
      expect(await ask(c, '#图片 一只猫')).toContain('图片生成未开启');
      expect(c.chat.requests).toHaveLength(0);
    });
  });
});
