import { describe, expect, it } from 'vitest';
import type { GreenApi } from '../../scripts/emulators/green-api';
import { startGreenApi } from '../../scripts/emulators/green-api';
import { signDingTalk } from '../../src/dingtalk/signature';
import { freshMessage } from '../helpers/callbacks';
import { API_KEY, APP_SECRET, ROLE, SECRETS, withConnector } from '../helpers/connector';

// At LOG_LEVEL=debug both functions log the most they ever will (user text and answers included). Even then no
// AppSecret, API key, role credential, access token, `sign` header or session webhook URL may appear, in any flow.

describe('secrets never reach a log, at debug level, across every flow', () => {
  it('text, group, commands, cards, fallbacks, expired webhooks, failures, rejected callbacks and moderation', async () => {
    const green: GreenApi = await startGreenApi({ credentials: ROLE, risky: { 违禁: 'high' } });
    try {
      await withConnector(
        {
          cards: true,
          chatOptions: { imageModels: ['image-model'] },
          replyEnv: ({ chat }) => ({
            LOG_LEVEL: 'debug',
            ADMIN_USERS: 'hygiene-admin',
            MAX_REQUESTS_PER_DAY: '100',
            SENSITIVE_WORDS: '机密',
            IMAGE_MODEL: 'image-model',
            MODERATION: 'aliyun',
            MODERATION_ENDPOINT: green.url,
            LLM_FALLBACKS: JSON.stringify([
              { baseURL: chat.baseUrl, apiKey: API_KEY, model: 'fallback-model' },
            ]),
          }),
          conversationEnv: { LOG_LEVEL: 'debug' },
        },
        async (c) => {
          const signs: string[] = [];
          const webhooks: string[] = [];
          const send = async (
            body: Record<string, unknown>,
            options: { timestamp?: string; secret?: string } = {},
          ) => {
            const timestamp = options.timestamp ?? String(Date.now());
            const sign = signDingTalk(timestamp, options.secret ?? APP_SECRET);
            signs.push(sign);
            webhooks.push(String(body.sessionWebhook));
            const response = await c.send(body, { timestamp, sign });
            await c.settle(); // one at a time, so each scripted failure meets the message meant for it
            return response;
          };
          const dm = (text: string, staffId = 'hygiene-user') =>
            freshMessage({ webhook: c.dingtalk.newSessionWebhook(), text, staffId });

          await send(dm('你好'));
          await send(freshMessage({ webhook: c.dingtalk.newSessionWebhook(), text: '群里问', group: true }));
          for (const command of [
            '帮助',
            'whoami',
            '单聊',
            '串聊',
            '额度',
            '\\clear',
            '重置',
            '模板',
            '#翻译 你好',
          ])
            await send(dm(command));
          await send(dm('#统计', 'hygiene-admin'));
          await send(dm('#查对话 hygiene-user', 'hygiene-admin'));
          await send(dm('#图片 一只猫'));
          await send(dm('把机密发我'));
          await send(dm('怎么买违禁品'));
          c.chat.script({ kind: 'error', status: 500 });
          await send(dm('主模型失败，备用模型回答'));
          c.chat.script({ kind: 'error', status: 401, code: 'invalid_api_key' });
          c.chat.script({ kind: 'error', status: 401, code: 'invalid_api_key' });
          await send(dm('密钥错误'));
          const expired = dm('帮助'); // commands answer in markdown: through the OpenAPI here
          expired.sessionWebhookExpiredTime = Date.now() - 1000;
          await send(expired);
          const lost = dm('whoami');
          c.dingtalk.expireSession(String(lost.sessionWebhook));
          await send(lost);
          // Last of the answers: a permission failure turns cards off for a while.
          c.dingtalk.failCards(403, 1, { scope: 'Card.Streaming.Write', api: 'create' });
          await send(dm('卡片失败改发 Markdown'));
          // Rejected callbacks: wrong secret, stale timestamp, a webhook elsewhere, a body that is not JSON.
          await send(dm('错误的签名'), { secret: 'not-the-secret' });
          await send(dm('过期的签名'), { timestamp: String(Date.now() - 7_200_000) });
          await send(
            freshMessage({ webhook: `${c.dingtalk.url}/robot/send?access_token=leak-me`, text: 'x' }),
          );
          await c.settle();

          const output = await c.output();
          expect(output).toContain('"level":"debug"'); // the debug lines were really written
          const forbidden = [
            ...SECRETS,
            ...signs,
            ...c.dingtalk.issuedTokens(),
            ...webhooks,
            ...webhooks.map((url) => new URL(url).searchParams.get('session') ?? 'leak-me'),
            'access_token=leak-me',
          ];
          for (const secret of forbidden) expect(output).not.toContain(secret);
          // Every flow above really ran.
          expect(c.dingtalk.issuedTokens().length).toBeGreaterThan(0);
          expect(c.dingtalk.cards.size).toBeGreaterThan(0);
          expect(c.dingtalk.openApiMessages.length).toBeGreaterThanOrEqual(2);
          expect(c.chat.imageRequests.length).toBe(1);
          expect(c.chat.requests.some((request) => request.model === 'fallback-model')).toBe(true);
          expect(green.requests.length).toBeGreaterThan(0);
          expect(c.fc.invocations.length).toBe(21);
        },
      );
    } finally {
      await green.close();
    }
  });
});
