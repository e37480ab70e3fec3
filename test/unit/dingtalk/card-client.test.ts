import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startDingTalkApi } from '../../../scripts/emulators/dingtalk-api';
import { createCallPacer } from '../../../src/dingtalk/call-pacer';
import {
  type CardClient,
  type CardFailure,
  type CardOutcome,
  createCardClient,
  describeCardFailure,
} from '../../../src/dingtalk/card-client';
import { findCardSpace } from '../../../src/dingtalk/card-space';
import {
  BUILT_IN_CARD_TEMPLATE,
  BUILT_IN_CONTENT_KEY,
  initialCardParams,
} from '../../../src/dingtalk/card-template';
import { createDingTalkHttp } from '../../../src/dingtalk/create-dingtalk-http';
import {
  type CallContext,
  createOpenApiClient,
  type DingTalkApp,
  type OpenApiCallKind,
  type TokenCache,
} from '../../../src/dingtalk/openapi-client';
import type { DeliveryTarget } from '../../../src/ports';
import { captureLogger } from '../../helpers/capture-logger';
import { directChatTarget } from '../../helpers/delivery-target';

const APP: DingTalkApp = { appKey: 'dingcardclient0001', appSecret: 'card-client-secret-never-logged-81c2' };
const TEMPLATE = BUILT_IN_CARD_TEMPLATE;
const STAFF_ID = '0426581234567890';
const GROUP_ID = 'cidAsXSBLnQ8rT2vY6wZ1kP4mN9bV3cX7hJ5gF0dS2aE=';

const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function http() {
  return createDingTalkHttp(5000);
}

async function setUp(options: { tokenCache?: TokenCache; apiBase?: string; cardQps?: number } = {}) {
  const api = await startDingTalkApi({
    apps: [APP],
    cardTemplates: [TEMPLATE],
    ...(options.cardQps === undefined ? {} : { cardQps: options.cardQps }),
  });
  closers.push(() => api.close());
  const openApi = createOpenApiClient({
    http: http(),
    apiBase: options.apiBase ?? api.url,
    clock: Date.now,
    ...(options.tokenCache === undefined ? {} : { tokenCache: options.tokenCache }),
  });
  const kinds: OpenApiCallKind[] = [];
  const logger = captureLogger('debug');
  const context: CallContext = { log: logger.log, onCall: (kind) => kinds.push(kind) };
  return { api, cards: createCardClient(openApi), openApi, kinds, context, logger };
}

function target(overrides: Partial<DeliveryTarget> = {}): DeliveryTarget {
  return directChatTarget(
    { robotCode: APP.appKey, senderStaffId: STAFF_ID, expiresAt: Date.now() + 60_000 },
    overrides,
  );
}

function failed(outcome: CardOutcome): CardFailure {
  if (outcome.ok) throw new Error('expected a failure');
  return outcome;
}

async function createCard(setup: Awaited<ReturnType<typeof setUp>>, outTrackId: string, to = target()) {
  const space = findCardSpace(to, APP.appKey)!;
  return setup.cards.createAndDeliver(
    APP,
    {
      outTrackId,
      templateId: TEMPLATE,
      params: initialCardParams(TEMPLATE, BUILT_IN_CONTENT_KEY, '2'),
      space,
    },
    setup.context,
  );
}

describe('card client against the DingTalk stand-in', () => {
  it("creates and delivers DingTalk's built-in AI card, streams into msgContent and ends it with one instance update, counting every call", async () => {
    const setup = await setUp();
    const { api, cards, kinds, context } = setup;

    expect(await createCard(setup, 'card-dm-1')).toEqual({ ok: true });
    expect(api.cards.get('card-dm-1')?.params).toEqual({
      msgTitle: '',
      msgContent: '',
      staticMsgContent: '',
      flowStatus: '2',
      sys_full_json_obj: '{"order":["msgTitle","msgContent","staticMsgContent"]}',
    });
    const update = { outTrackId: 'card-dm-1', key: 'msgContent', isFinalize: false, isError: false };
    expect(await cards.stream(APP, { ...update, content: '你好' }, context)).toEqual({ ok: true });
    const params = { msgContent: '你好，世界', flowStatus: '3' };
    expect(await cards.updateInstance(APP, { outTrackId: 'card-dm-1', params }, context)).toEqual({
      ok: true,
    });

    expect(api.cards.get('card-dm-1')).toMatchObject({
      templateId: BUILT_IN_CARD_TEMPLATE,
      openSpaceId: `dtv1.card//IM_ROBOT.${STAFF_ID}`,
      robotCode: APP.appKey,
      params: { msgContent: '你好，世界', flowStatus: '3', staticMsgContent: '' },
      content: '你好，世界',
      finalized: true,
      error: false,
      updates: 1,
    });
    // Ended: the card streams no more.
    expect(failed(await cards.stream(APP, { ...update, content: '再来' }, context))).toMatchObject({
      code: 'card.streaming.alreadyFinalized',
    });
    expect(kinds).toEqual(['token', 'card', 'card', 'card', 'card']);
  });

  it('delivers a group card with the sender in atUserIds', async () => {
    const setup = await setUp();

    const outcome = await createCard(
      setup,
      'card-group-1',
      target({ conversationType: 'group', conversationId: GROUP_ID }),
    );

    expect(outcome).toEqual({ ok: true });
    expect(setup.api.cards.get('card-group-1')?.openSpaceId).toBe(`dtv1.card//IM_GROUP.${GROUP_ID}`);
  });

  it('names the missing permission from accessdenieddetail.requiredScopes', async () => {
    const setup = await setUp();
    setup.api.failCards(403, 1, { scope: 'Card.Instance.Write' });

    const failure = failed(await createCard(setup, 'card-403'));

    expect(failure).toMatchObject({
      kind: 'permission',
      retryable: false,
      reason: 'card_403',
      code: 'Forbidden.AccessDenied.AccessTokenPermissionDenied',
      scope: 'Card.Instance.Write',
    });
    expect(describeCardFailure(failure)).toContain('Card.Instance.Write');
  });

  it.each([
    ['qps', { kind: 'qps', retryable: true, code: 'QpsLimit' }, 'rate limit'],
    [429, { kind: 'qps', retryable: true, reason: 'card_429' }, 'rate limit'],
    [
      'quota',
      { kind: 'quota', retryable: false, code: 'Forbidden.AccessDenied.ApiCountLimitForOrg' },
      'quota',
    ],
    [500, { kind: 'server', retryable: true, code: 'unknownError' }, 'Card.Streaming.Write'],
    [
      'undelivered',
      { kind: 'rejected', reason: 'card_not_delivered', detail: '机器人不在该会话中' },
      '机器人',
    ],
  ] as const)('classifies %s', async (kind, expected, words) => {
    const setup = await setUp();
    setup.api.failCards(kind, 1);

    const failure = failed(await createCard(setup, `card-${kind}`));

    expect(failure).toMatchObject(expected);
    expect(describeCardFailure(failure)).toContain(words);
  });

  it('classifies the legacy quota shape (errcode 90020) as the monthly quota too', async () => {
    const setup = await setUp();
    setup.api.failCards('quota', 1, { legacy: true });

    const failure = failed(await createCard(setup, 'card-90020'));

    expect(failure).toMatchObject({ kind: 'quota', retryable: false, code: '90020' });
    expect(describeCardFailure(failure)).toContain('开发者后台');
  });

  it("is refused with QpsLimit past the stand-in's per-app card QPS, and waits its turn with a pacer", async () => {
    const paced = await setUp({ cardQps: 5 });
    const burst = (cards: CardClient, prefix: string) =>
      Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          cards.createAndDeliver(APP, {
            outTrackId: `${prefix}-${i}`,
            templateId: TEMPLATE,
            params: initialCardParams(TEMPLATE, BUILT_IN_CONTENT_KEY, '2'),
            space: findCardSpace(target(), APP.appKey)!,
          }),
        ),
      );

    const unpaced = await burst(paced.cards, 'unpaced');
    expect(unpaced.filter((outcome) => !outcome.ok)).toHaveLength(3);
    expect(unpaced.find((outcome) => !outcome.ok)).toMatchObject({ kind: 'qps', code: 'QpsLimit' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const pacer = createCallPacer({ perSecond: 4, burst: 1 });
    const withPacer = await burst(createCardClient(paced.openApi, pacer.take), 'paced');
    expect(withPacer.every((outcome) => outcome.ok)).toBe(true);
    expect(paced.api.qpsRejections).toBe(3);
  });

  it('names DINGTALK_CARD_TEMPLATE_ID for an unknown template and DINGTALK_CARD_CONTENT_KEY for an unknown key', async () => {
    const setup = await setUp();
    const space = findCardSpace(target(), APP.appKey)!;

    const template = failed(
      await setup.cards.createAndDeliver(APP, {
        outTrackId: 'x1',
        templateId: 'other.schema',
        params: { c: '' },
        space,
      }),
    );
    await createCard(setup, 'card-key');
    const key = failed(
      await setup.cards.stream(APP, {
        outTrackId: 'card-key',
        key: 'content',
        content: 'x',
        isFinalize: false,
        isError: false,
      }),
    );

    expect(template).toMatchObject({ kind: 'setting', setting: 'DINGTALK_CARD_TEMPLATE_ID' });
    expect(key).toMatchObject({ kind: 'setting', setting: 'DINGTALK_CARD_CONTENT_KEY' });
    expect(describeCardFailure(template)).toContain('DINGTALK_CARD_TEMPLATE_ID');
  });

  it('refuses updates once the card was finalized', async () => {
    const setup = await setUp();
    await createCard(setup, 'card-final');
    const update = { outTrackId: 'card-final', key: 'msgContent', content: '完', isError: false };

    expect(await setup.cards.stream(APP, { ...update, isFinalize: true })).toEqual({ ok: true });
    expect(failed(await setup.cards.stream(APP, { ...update, isFinalize: false }))).toMatchObject({
      kind: 'rejected',
      reason: 'card_400',
      code: 'card.streaming.alreadyFinalized',
    });
  });

  it('reports a wrong AppSecret as a token failure naming the variables, without the secret', async () => {
    const api = await startDingTalkApi({ apps: [{ ...APP, appSecret: 'the-real-secret' }] });
    closers.push(() => api.close());
    const cards = createCardClient(createOpenApiClient({ http: http(), apiBase: api.url, clock: Date.now }));
    const space = findCardSpace(target(), APP.appKey)!;

    const failure = failed(
      await cards.createAndDeliver(APP, { outTrackId: 'x', templateId: TEMPLATE, params: { c: '' }, space }),
    );

    expect(failure).toMatchObject({ kind: 'token', retryable: false, code: 'invalidClientSecret' });
    expect(describeCardFailure(failure)).toContain('DINGTALK_APP_SECRET');
    expect(JSON.stringify(failure)).not.toContain(APP.appSecret);
  });

  it('reports an unreachable DingTalk as retryable, without the URL', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const cards = createCardClient(
      createOpenApiClient({ http: http(), apiBase: `http://127.0.0.1:${port}`, clock: Date.now }),
    );

    const failure = failed(await cards.updateInstance(APP, { outTrackId: 'x', params: { flowStatus: '3' } }));

    expect(failure).toMatchObject({ kind: 'token', retryable: true, reason: 'openapi_token_unreachable' });
    expect(describeCardFailure(failure)).not.toContain(String(port));
  });
});

describe('OpenAPI client: tokens for card calls', () => {
  it('fetches a new token once when DingTalk refuses the cached one (401), and stores it', async () => {
    const stored = new Map<string, { token: string; expiresAt: number }>();
    const tokenCache: TokenCache = {
      get: async (appKey) => stored.get(appKey),
      put: async (appKey, token, expiresAt) => {
        stored.set(appKey, { token, expiresAt });
      },
    };
    const setup = await setUp({ tokenCache });
    await createCard(setup, 'card-401');
    const first = stored.get(APP.appKey)?.token;
    setup.api.revokeTokens();

    const outcome = await setup.cards.updateInstance(
      APP,
      { outTrackId: 'card-401', params: { flowStatus: '3' } },
      setup.context,
    );

    expect(outcome).toEqual({ ok: true });
    expect(setup.kinds).toEqual(['token', 'card', 'card', 'token', 'card']);
    expect(stored.get(APP.appKey)?.token).not.toBe(first);
    expect(setup.api.tokensIssued).toBe(2);
  });

  it('uses a stored token without a token call, and never a stored token DingTalk refused', async () => {
    let stored: { token: string; expiresAt: number } | undefined;
    const tokenCache: TokenCache = {
      get: async () => stored,
      put: async (_appKey, token, expiresAt) => {
        stored = { token, expiresAt };
      },
    };
    const setup = await setUp({ tokenCache });
    // Another instance fetched this token and stored it.
    const issued = await http().send('POST', `${setup.api.url}/v1.0/oauth2/accessToken`, APP);
    stored = { token: JSON.parse(issued.text).accessToken, expiresAt: Date.now() + 7_200_000 };

    expect(await createCard(setup, 'card-stored')).toEqual({ ok: true });
    expect(setup.kinds).toEqual(['card']);

    setup.api.revokeTokens();
    expect(await createCard(setup, 'card-refused')).toEqual({ ok: true });
    expect(setup.kinds).toEqual(['card', 'card', 'token', 'card']);
    expect(stored?.token).not.toBe(JSON.parse(issued.text).accessToken);
  });

  it('logs and ignores a token cache that fails, with the error code only', async () => {
    const tokenCache: TokenCache = {
      get: async () => {
        throw Object.assign(new Error('EIO: i/o error, open /mnt/oss/tokens/secret-path.json'), {
          code: 'EIO',
        });
      },
      put: async () => {
        throw Object.assign(new Error('EACCES: permission denied, open /mnt/oss/tokens/x.json'), {
          code: 'EACCES',
        });
      },
    };
    const setup = await setUp({ tokenCache });

    expect(await createCard(setup, 'card-cache-broken')).toEqual({ ok: true });

    const warns = setup.logger.lines().filter((line) => line.level === 'warn');
    expect(warns.map((line) => line.code)).toEqual(['EIO', 'EACCES']);
    expect(setup.logger.raw()).not.toContain('/mnt/oss');
  });

  it('sends the token header, a fresh guid per streaming call and isFull', async () => {
    const bodies: Array<{ headers: IncomingMessage['headers']; body: Record<string, unknown> }> = [];
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      bodies.push({ headers: req.headers, body });
      const answer =
        req.url === '/v1.0/oauth2/accessToken'
          ? { accessToken: 'tok-123', expireIn: 7200 }
          : { success: true };
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const apiBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const cards = createCardClient(createOpenApiClient({ http: http(), apiBase, clock: Date.now }));
    const update = { outTrackId: 'o', key: 'content', content: 'x', isFinalize: false, isError: false };

    await cards.stream(APP, update);
    await cards.stream(APP, update);

    const [, first, second] = bodies;
    expect(first?.headers['x-acs-dingtalk-access-token']).toBe('tok-123');
    expect(first?.body).toEqual({ ...update, guid: expect.any(String), isFull: true });
    expect(first?.body.guid).not.toBe(second?.body.guid);
  });
});
