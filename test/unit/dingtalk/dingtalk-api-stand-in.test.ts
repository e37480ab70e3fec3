import { afterEach, describe, expect, it } from 'vitest';
import { type DingTalkApi, startDingTalkApi } from '../../../scripts/emulators/dingtalk-api';

// The stand-in must fail a wrong request the way DingTalk would, or the delivery tests prove nothing.

const APP = { appKey: 'dingabcdefghijk12345', appSecret: 'stand-in-secret' };
let api: DingTalkApi | undefined;
let now = 1_718_000_000_000;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function token(stand: DingTalkApi): Promise<string> {
  const { body } = await post(`${stand.url}/v1.0/oauth2/accessToken`, APP);
  return body.accessToken as string;
}

const markdown = (text: string) => ({ msgtype: 'markdown', markdown: { title: '标题', text } });

describe('DingTalk stand-in: session webhook', () => {
  it('accepts text and markdown with errcode 0 and records them', async () => {
    api = await startDingTalkApi();
    const webhook = api.newSessionWebhook();

    expect((await post(webhook, { msgtype: 'text', text: { content: '你好' } })).body).toEqual({
      errcode: 0,
      errmsg: 'ok',
    });
    const withAt = { ...markdown('@123 你好'), at: { atUserIds: ['123'] } };
    expect((await post(webhook, withAt)).body).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(api.posts.map((p) => p.body)).toEqual([{ msgtype: 'text', text: { content: '你好' } }, withAt]);
  });

  it.each([
    ['no title', { msgtype: 'markdown', markdown: { text: 'x' } }],
    ['text not a string', { msgtype: 'markdown', markdown: { title: 't', text: 42 } }],
    ['atUserIds not an array of strings', { ...markdown('x'), at: { atUserIds: '123' } }],
    ['atUserIds with a number', { ...markdown('x'), at: { atUserIds: [123] } }],
    ['an unsupported msgtype', { msgtype: 'image', image: {} }],
    ['not JSON', '{"msgtype":'],
  ])('rejects a malformed body (%s) with a non-zero errcode on HTTP 200', async (_name, body) => {
    api = await startDingTalkApi();

    const response = await post(api.newSessionWebhook(), body);

    expect(response.status).toBe(200);
    expect(response.body.errcode).toBe(40035);
    expect(api.posts).toHaveLength(0);
  });

  it('rejects a body over 20 000 bytes with errcode 460101, and accepts exactly 20 000', async () => {
    api = await startDingTalkApi();
    const webhook = api.newSessionWebhook();
    const envelope = Buffer.byteLength(JSON.stringify(markdown('')));

    const tooLong = await post(webhook, markdown('字'.repeat(Math.ceil((20_001 - envelope) / 3))));
    const exact = await post(webhook, markdown('a'.repeat(20_000 - envelope)));

    expect(tooLong.body).toEqual({ errcode: 460101, errmsg: 'message too long, exceed 20000 bytes' });
    expect(exact.body.errcode).toBe(0);
    expect(api.posts.map((p) => p.bytes)).toEqual([20_000]);
  });

  it('answers 300001 for an unknown or expired session', async () => {
    api = await startDingTalkApi();
    const webhook = api.newSessionWebhook();
    api.expireSession(webhook, { afterPosts: 1 });

    expect((await post(webhook, markdown('一'))).body.errcode).toBe(0);
    expect((await post(webhook, markdown('二'))).body).toEqual({ errcode: 300001, errmsg: 'session 不存在' });
    expect((await post(`${api.url}/robot/sendBySession?session=unknown`, markdown('三'))).body.errcode).toBe(
      300001,
    );
  });

  it('rejects a body that is not declared as JSON', async () => {
    api = await startDingTalkApi();

    const response = await post(api.newSessionWebhook(), markdown('x'), { 'Content-Type': 'text/plain' });

    expect(response.body.errcode).toBe(43004);
  });
});

describe('DingTalk stand-in: OpenAPI', () => {
  it('issues a token only for a known appKey with the right appSecret', async () => {
    api = await startDingTalkApi({ apps: [APP], tokenTtlSeconds: 600 });
    const url = `${api.url}/v1.0/oauth2/accessToken`;

    const ok = await post(url, APP);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ accessToken: expect.any(String), expireIn: 600 });
    expect((await post(url, { appKey: 'dingunknown', appSecret: APP.appSecret })).status).toBe(400);
    expect((await post(url, { appKey: APP.appKey, appSecret: 'wrong' })).status).toBe(401);
    expect((await post(url, { appKey: APP.appKey })).status).toBe(400);
    expect(api.tokensIssued).toBe(1);
  });

  it('accepts a well-formed DM and group send and records the parsed msgParam', async () => {
    api = await startDingTalkApi({ apps: [APP] });
    const headers = { 'x-acs-dingtalk-access-token': await token(api) };
    const msgParam = JSON.stringify({ title: '标题', text: '正文' });
    const common = { robotCode: APP.appKey, msgKey: 'sampleMarkdown', msgParam };

    const dm = await post(
      `${api.url}/v1.0/robot/oToMessages/batchSend`,
      { ...common, userIds: ['0426'] },
      headers,
    );
    const group = await post(
      `${api.url}/v1.0/robot/groupMessages/send`,
      { ...common, openConversationId: 'cidX=' },
      headers,
    );

    expect(dm.body).toEqual({
      processQueryKey: expect.any(String),
      invalidStaffIdList: [],
      flowControlledStaffIdList: [],
    });
    expect(group.body).toEqual({ processQueryKey: expect.any(String) });
    expect(api.openApiMessages.map((m) => [m.kind, m.msgParam])).toEqual([
      ['oto', { title: '标题', text: '正文' }],
      ['group', { title: '标题', text: '正文' }],
    ]);
  });

  it.each([
    ['msgParam as an object', { msgParam: { title: 't', text: 'x' } }, 'invalidParameter.msgParam.invalid'],
    [
      'msgParam without text',
      { msgParam: JSON.stringify({ title: 't' }) },
      'invalidParameter.msgParam.invalid',
    ],
    ['an unknown msgKey', { msgKey: 'markdown' }, 'invalidParameter.msgKey.invalid'],
    ['an unknown robotCode', { robotCode: 'dingother' }, 'invalidParameter.robotCode.invalid'],
    ['no userIds', { userIds: [] }, 'invalidParameter.userIds.empty'],
    [
      'more than 20 userIds',
      { userIds: Array.from({ length: 21 }, (_, i) => `u${i}`) },
      'invalidParameter.userIds.invalid',
    ],
  ])('rejects a DM send with %s (400 %s)', async (_name, change, code) => {
    api = await startDingTalkApi({ apps: [APP] });
    const headers = { 'x-acs-dingtalk-access-token': await token(api) };
    const body = {
      robotCode: APP.appKey,
      userIds: ['0426'],
      msgKey: 'sampleMarkdown',
      msgParam: JSON.stringify({ title: 't', text: 'x' }),
      ...change,
    };

    const response = await post(`${api.url}/v1.0/robot/oToMessages/batchSend`, body, headers);

    expect(response).toMatchObject({ status: 400, body: { code } });
    expect(api.openApiMessages).toHaveLength(0);
  });

  it('rejects a group send to something that is not an openConversationId', async () => {
    api = await startDingTalkApi({ apps: [APP] });
    const headers = { 'x-acs-dingtalk-access-token': await token(api) };
    const body = {
      robotCode: APP.appKey,
      openConversationId: '12345',
      msgKey: 'sampleText',
      msgParam: '{"content":"x"}',
    };

    const response = await post(`${api.url}/v1.0/robot/groupMessages/send`, body, headers);

    expect(response).toMatchObject({
      status: 400,
      body: { code: 'invalidParameter.openConversationId.invalid' },
    });
  });

  it('answers 401 without a token, with an unknown one, and once the token has expired', async () => {
    api = await startDingTalkApi({ apps: [APP], tokenTtlSeconds: 60, clock: () => now });
    const url = `${api.url}/v1.0/robot/oToMessages/batchSend`;
    const body = {
      robotCode: APP.appKey,
      userIds: ['0426'],
      msgKey: 'sampleText',
      msgParam: '{"content":"x"}',
    };
    const valid = await token(api);

    expect((await post(url, body)).status).toBe(401);
    expect((await post(url, body, { 'x-acs-dingtalk-access-token': 'forged' })).status).toBe(401);
    expect((await post(url, body, { 'x-acs-dingtalk-access-token': valid })).status).toBe(200);
    now += 60_000;
    expect((await post(url, body, { 'x-acs-dingtalk-access-token': valid })).status).toBe(401);
  });
});

describe('DingTalk stand-in: AI cards', () => {
  const TEMPLATE = 'stand-in-template.schema';
  const STAFF = '0426581234567890';

  async function put(url: string, body: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(url, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  function cardBody(outTrackId: string, change: Record<string, unknown> = {}) {
    return {
      cardTemplateId: TEMPLATE,
      outTrackId,
      cardData: { cardParamMap: { content: '', flowStatus: '2' } },
      callbackType: 'STREAM',
      imGroupOpenSpaceModel: { supportForward: true },
      imRobotOpenSpaceModel: { supportForward: true },
      openSpaceId: `dtv1.card//IM_ROBOT.${STAFF}`,
      userIdType: 1,
      imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode: APP.appKey },
      ...change,
    };
  }

  function streamBody(outTrackId: string, content: string, change: Record<string, unknown> = {}) {
    return {
      outTrackId,
      guid: crypto.randomUUID(),
      key: 'content',
      content,
      isFull: true,
      isFinalize: false,
      isError: false,
      ...change,
    };
  }

  async function cardStand(options: { cardTemplates?: string[] } = {}) {
    const changes: string[] = [];
    api = await startDingTalkApi({
      apps: [APP],
      ...options,
      onCard: (card) => changes.push(`${card.outTrackId}:${card.content}:${card.flowStatus}`),
    });
    const headers = { 'x-acs-dingtalk-access-token': await token(api) };
    return { api, headers, changes };
  }

  it('creates and delivers a card in one call, records it and reports every change', async () => {
    const { api, headers, changes } = await cardStand();

    const created = await post(
      `${api.url}/v1.0/card/instances/createAndDeliver`,
      cardBody('card-1'),
      headers,
    );
    const streamed = await put(`${api.url}/v1.0/card/streaming`, streamBody('card-1', '你好'), headers);
    const finished = await put(
      `${api.url}/v1.0/card/instances`,
      {
        outTrackId: 'card-1',
        cardData: { cardParamMap: { flowStatus: '3' } },
        cardUpdateOptions: { updateCardDataByKey: true },
      },
      headers,
    );

    expect(created).toEqual({
      status: 200,
      body: {
        success: true,
        result: {
          outTrackId: 'card-1',
          deliverResults: [{ spaceType: 'IM_ROBOT', spaceId: STAFF, success: true }],
        },
      },
    });
    expect([streamed.status, finished.status]).toEqual([200, 200]);
    expect(api.cards.get('card-1')).toMatchObject({
      templateId: TEMPLATE,
      openSpaceId: `dtv1.card//IM_ROBOT.${STAFF}`,
      robotCode: APP.appKey,
      params: { content: '你好', flowStatus: '3' },
      content: '你好',
      flowStatus: '3',
      delivered: true,
      // Flow status FINISHED ends the card, as DingTalk's own card SDK ends its AI cards.
      finalized: true,
      error: false,
      updates: 1,
      history: [
        { at: expect.any(Number), content: '你好', isFinalize: false },
        { at: expect.any(Number), content: '你好', isFinalize: true },
      ],
    });
    expect(
      (await put(`${api.url}/v1.0/card/streaming`, streamBody('card-1', '再'), headers)).body,
    ).toMatchObject({ code: 'card.streaming.alreadyFinalized' });
    expect(changes).toEqual(['card-1::2', 'card-1:你好:2', 'card-1:你好:3']);
    expect(api.calls.map((call) => `${call.method} ${call.path} ${call.status}`).slice(1)).toEqual([
      'POST /v1.0/card/instances/createAndDeliver 200',
      'PUT /v1.0/card/streaming 200',
      'PUT /v1.0/card/instances 200',
      'PUT /v1.0/card/streaming 400',
    ]);
  });

  it('creates and delivers in two calls, to a group', async () => {
    const { api, headers } = await cardStand();
    const {
      openSpaceId: _space,
      imRobotOpenDeliverModel: _model,
      userIdType: _type,
      ...create
    } = cardBody('card-g');

    const created = await post(`${api.url}/v1.0/card/instances`, create, headers);
    expect(api.cards.get('card-g')?.delivered).toBe(false);
    const delivered = await post(
      `${api.url}/v1.0/card/instances/deliver`,
      {
        outTrackId: 'card-g',
        userIdType: 1,
        openSpaceId: 'dtv1.card//IM_GROUP.cidGroup=',
        imGroupOpenDeliverModel: { robotCode: APP.appKey, atUserIds: { [STAFF]: '张三' } },
      },
      headers,
    );

    expect(created.body).toEqual({ success: true, result: 'card-g' });
    expect(delivered.body).toEqual({
      success: true,
      result: [{ spaceType: 'IM_GROUP', spaceId: 'cidGroup=', success: true }],
    });
    expect(api.cards.get('card-g')).toMatchObject({
      delivered: true,
      openSpaceId: 'dtv1.card//IM_GROUP.cidGroup=',
    });
  });

  it.each([
    [
      'a template id without .schema',
      { cardTemplateId: 'stand-in-template' },
      'invalidParameter.cardTemplateId.invalid',
    ],
    [
      'a template the org does not have',
      { cardTemplateId: 'other.schema' },
      'invalidParameter.cardTemplateId.notExist',
    ],
    ['unsafe characters in outTrackId', { outTrackId: 'a/b=' }, 'invalidParameter.outTrackId.invalid'],
    [
      'a param that is not a string',
      { cardData: { cardParamMap: { content: '', flowStatus: 2 } } },
      'invalidParameter.cardParamMap.invalid',
    ],
    ['no cardParamMap', { cardData: {} }, 'invalidParameter.cardData.empty'],
    ['an unknown callbackType', { callbackType: 'WS' }, 'invalidParameter.callbackType.invalid'],
    ['a malformed openSpaceId', { openSpaceId: `IM_ROBOT.${STAFF}` }, 'invalidParameter.openSpaceId.invalid'],
    [
      'a group that is not an openConversationId',
      { openSpaceId: 'dtv1.card//IM_GROUP.12345', imGroupOpenDeliverModel: { robotCode: APP.appKey } },
      'invalidParameter.openConversationId.invalid',
    ],
    [
      'a DM without imRobotOpenDeliverModel',
      { imRobotOpenDeliverModel: undefined },
      'invalidParameter.imRobotOpenDeliverModel.empty',
    ],
    [
      'a DM deliver model of the wrong spaceType',
      { imRobotOpenDeliverModel: { spaceType: 'IM_GROUP' } },
      'invalidParameter.spaceType.invalid',
    ],
    [
      'another app as robotCode',
      { imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode: 'dingother' } },
      'invalidParameter.robotCode.invalid',
    ],
  ])('rejects a card with %s (400 %s)', async (_name, change, code) => {
    const { api, headers } = await cardStand({ cardTemplates: [TEMPLATE] });

    const response = await post(
      `${api.url}/v1.0/card/instances/createAndDeliver`,
      cardBody('card-x', change),
      headers,
    );

    expect(response).toMatchObject({ status: 400, body: { code } });
    expect(api.cards.size).toBe(0);
  });

  it('rejects a second card with the same outTrackId', async () => {
    const { api, headers } = await cardStand();
    const url = `${api.url}/v1.0/card/instances/createAndDeliver`;

    expect((await post(url, cardBody('card-dup'), headers)).status).toBe(200);
    expect(await post(url, cardBody('card-dup'), headers)).toMatchObject({
      status: 400,
      body: { code: 'invalidParameter.outTrackId.duplicated' },
    });
  });

  it.each([
    ['an unknown outTrackId', streamBody('card-unknown', 'x'), 'invalidParameter.outTrackId.notExist'],
    ['no guid', streamBody('card-s', 'x', { guid: '' }), 'invalidParameter.guid.empty'],
    [
      'a key the card does not have',
      streamBody('card-s', 'x', { key: 'msgContent' }),
      'invalidParameter.key.notExist',
    ],
    [
      'content that is not a string',
      streamBody('card-s', 'x', { content: 42 }),
      'invalidParameter.content.invalid',
    ],
    [
      'isFull that is not a boolean',
      streamBody('card-s', 'x', { isFull: 'true' }),
      'invalidParameter.isFull.invalid',
    ],
    [
      'no isFinalize',
      streamBody('card-s', 'x', { isFinalize: undefined }),
      'invalidParameter.isFinalize.invalid',
    ],
  ])('rejects a streaming update with %s', async (_name, body, code) => {
    const { api, headers } = await cardStand();
    await post(`${api.url}/v1.0/card/instances/createAndDeliver`, cardBody('card-s'), headers);

    const response = await put(`${api.url}/v1.0/card/streaming`, body, headers);

    expect(response).toMatchObject({ status: 400, body: { code } });
    expect(api.cards.get('card-s')?.updates).toBe(0);
  });

  it('appends without isFull, and refuses any update after the finalizing one', async () => {
    const { api, headers } = await cardStand();
    await post(`${api.url}/v1.0/card/instances/createAndDeliver`, cardBody('card-f'), headers);
    const url = `${api.url}/v1.0/card/streaming`;

    await put(url, streamBody('card-f', '你'), headers);
    await put(url, streamBody('card-f', '好', { isFull: false, isFinalize: true, isError: true }), headers);
    const late = await put(url, streamBody('card-f', '你好！'), headers);

    expect(late).toMatchObject({ status: 400, body: { code: 'card.streaming.alreadyFinalized' } });
    expect(api.cards.get('card-f')).toMatchObject({
      content: '你好',
      finalized: true,
      error: true,
      updates: 2,
    });
  });

  it('merges params with updateCardDataByKey and replaces them without it', async () => {
    const { api, headers } = await cardStand();
    await post(`${api.url}/v1.0/card/instances/createAndDeliver`, cardBody('card-i'), headers);
    const url = `${api.url}/v1.0/card/instances`;

    await put(
      url,
      {
        outTrackId: 'card-i',
        cardData: { cardParamMap: { content: '全文', flowStatus: '3' } },
        cardUpdateOptions: { updateCardDataByKey: true },
      },
      headers,
    );
    expect(api.cards.get('card-i')).toMatchObject({
      content: '全文',
      flowStatus: '3',
      history: [{ content: '全文', isFinalize: true }],
    });
    await put(url, { outTrackId: 'card-i', cardData: { cardParamMap: { flowStatus: '5' } } }, headers);
    expect(api.cards.get('card-i')).toMatchObject({
      params: { flowStatus: '5' },
      content: '',
      flowStatus: '5',
      error: true,
    });
    expect((await put(url, { outTrackId: 'nope', cardData: { cardParamMap: {} } }, headers)).status).toBe(
      400,
    );
  });

  it('answers 401 to card calls without a valid token, and 404 to a wrong method', async () => {
    const { api } = await cardStand();

    expect((await post(`${api.url}/v1.0/card/instances/createAndDeliver`, cardBody('c'))).status).toBe(401);
    expect(
      (
        await put(`${api.url}/v1.0/card/streaming`, streamBody('c', 'x'), {
          'x-acs-dingtalk-access-token': 'forged',
        })
      ).status,
    ).toBe(401);
    expect((await post(`${api.url}/v1.0/card/streaming`, streamBody('c', 'x'))).status).toBe(404);
  });

  it('fails the next card calls of the chosen API with DingTalk error bodies', async () => {
    const { api, headers } = await cardStand();
    api.failCards(403, 1, { api: 'streaming' });
    api.failCards('qps', 1, { api: 'create' });
    api.failCards('quota', 1, { api: 'create' });
    api.failCards(500, 1, { api: 'instance' });
    const create = `${api.url}/v1.0/card/instances/createAndDeliver`;

    const qps = await post(create, cardBody('card-q'), headers);
    const quota = await post(create, cardBody('card-q'), headers);
    expect((await post(create, cardBody('card-q'), headers)).status).toBe(200);
    const streaming = await put(`${api.url}/v1.0/card/streaming`, streamBody('card-q', 'x'), headers);
    const instance = await put(
      `${api.url}/v1.0/card/instances`,
      { outTrackId: 'card-q', cardData: { cardParamMap: {} } },
      headers,
    );

    expect(qps).toMatchObject({ status: 403, body: { code: 'QpsLimit' } });
    expect(quota).toMatchObject({
      status: 403,
      body: { code: 'Forbidden.AccessDenied.ApiCountLimitForOrg' },
    });
    expect(streaming).toMatchObject({
      status: 403,
      body: {
        code: 'Forbidden.AccessDenied.AccessTokenPermissionDenied',
        accessdenieddetail: { requiredScopes: ['Card.Streaming.Write'] },
      },
    });
    expect(instance).toMatchObject({ status: 500, body: { code: 'unknownError' } });
    expect(api.cards.get('card-q')?.updates).toBe(0);
  });

  it("knows DingTalk's built-in AI card: msgContent is its only streaming variable, sys_full_json_obj must be JSON", async () => {
    const { api, headers } = await cardStand();
    const builtIn = '382e4302-551d-4880-bf29-a30acfab2e71.schema';
    const params = {
      msgTitle: '',
      msgContent: '',
      staticMsgContent: '',
      flowStatus: '2',
      sys_full_json_obj: '{"order":["msgTitle","msgContent","staticMsgContent"]}',
    };
    const create = `${api.url}/v1.0/card/instances/createAndDeliver`;
    const withCard = (id: string, cardParamMap: Record<string, string>) =>
      cardBody(id, { cardTemplateId: builtIn, cardData: { cardParamMap } });

    expect((await post(create, withCard('b-1', params), headers)).status).toBe(200);
    const notJson = await post(create, withCard('b-2', { ...params, sys_full_json_obj: '{order' }), headers);
    const wrongKey = await put(
      `${api.url}/v1.0/card/streaming`,
      streamBody('b-1', 'x', { key: 'staticMsgContent' }),
      headers,
    );
    const streamed = await put(
      `${api.url}/v1.0/card/streaming`,
      streamBody('b-1', '回答', { key: 'msgContent' }),
      headers,
    );

    expect(api.cards.get('b-1')).toMatchObject({ contentKey: 'msgContent', content: '回答' });
    expect(notJson.body).toMatchObject({ code: 'invalidParameter.cardParamMap.invalid' });
    expect(wrongKey.body).toMatchObject({ code: 'invalidParameter.key.notExist' });
    expect(streamed.status).toBe(200);
  });

  it('refuses card calls past its per-app QPS with 403 QpsLimit, and answers the legacy quota shape on request', async () => {
    const changes: string[] = [];
    api = await startDingTalkApi({
      apps: [APP],
      cardQps: 3,
      onCard: (card) => changes.push(card.outTrackId),
    });
    const headers = { 'x-acs-dingtalk-access-token': await token(api) };
    const create = `${api.url}/v1.0/card/instances/createAndDeliver`;

    const burst = await Promise.all(
      ['q-1', 'q-2', 'q-3', 'q-4'].map((id) => post(create, cardBody(id), headers)),
    );
    api.failCards('quota', 1, { api: 'instance', legacy: true });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const legacy = await put(
      `${api.url}/v1.0/card/instances`,
      { outTrackId: 'q-1', cardData: { cardParamMap: { flowStatus: '3' } } },
      headers,
    );

    expect(burst.map((response) => response.status).sort()).toEqual([200, 200, 200, 403]);
    expect(burst.find((response) => response.status === 403)?.body).toMatchObject({ code: 'QpsLimit' });
    expect(api.qpsRejections).toBe(1);
    expect(changes).toHaveLength(3);
    expect(legacy).toMatchObject({ status: 200, body: { errcode: 90020 } });
  });

  it('applies a lost call but never answers it', async () => {
    const { api, headers } = await cardStand();
    api.failCards('lost', 1, { api: 'create' });

    const answer = await Promise.race([
      // The socket is closed with the stand-in after the test.
      post(`${api.url}/v1.0/card/instances/createAndDeliver`, cardBody('card-lost'), headers).then(
        () => 'answered',
        () => 'closed',
      ),
      new Promise((resolve) => setTimeout(() => resolve('no answer'), 300)),
    ]);

    expect(answer).toBe('no answer');
    expect(api.cards.get('card-lost')).toMatchObject({ delivered: true });
    expect(api.calls.at(-1)).toMatchObject({ path: '/v1.0/card/instances/createAndDeliver', status: 0 });
  });

  it('reports a failed delivery in deliverResults with HTTP 200', async () => {
    const { api, headers } = await cardStand();
    api.failCards('undelivered');

    const response = await post(
      `${api.url}/v1.0/card/instances/createAndDeliver`,
      cardBody('card-u'),
      headers,
    );

    expect(response.body).toMatchObject({
      success: true,
      result: { deliverResults: [{ spaceType: 'IM_ROBOT', success: false, errorMsg: expect.any(String) }] },
    });
    expect(api.cards.get('card-u')?.delivered).toBe(false);
  });
});
