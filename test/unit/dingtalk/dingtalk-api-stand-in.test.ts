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
