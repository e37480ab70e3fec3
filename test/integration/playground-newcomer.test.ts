import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Playground } from '../../scripts/playground/playground';
import { startPlayground } from '../../scripts/playground/playground';
import type { PlaygroundEvent } from '../helpers/playground-api';
import { sendAsMember, waitForEvent } from '../helpers/playground-api';
import { runScript } from '../scripts/run-script';

const ZHANG_SAN = '0426581234567890';
const LI_SI = '1665012345698';
const ZHAO_LIU = '3307890123456';

describe('the playground server, as a newcomer uses it', () => {
  let playground: Playground;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'playground-newcomer-'));
    playground = await startPlayground({ port: 0, dataDir, envFile: null, printLogs: false, cards: false });
  });
  afterAll(async () => {
    await playground.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const waitFor = (match: (event: PlaygroundEvent) => boolean) => waitForEvent(playground.url, match);
  const send = (staffId: string, chat: string, text: string) =>
    sendAsMember(playground.url, staffId, chat, text);

  it('tells the page who the admin is and what the deployment enables', async () => {
    const state = (await (await fetch(`${playground.url}/api/state`)).json()) as {
      members: Array<{ staffId: string; isAdmin: boolean }>;
      features: { images: boolean; maxTextChars: { dm: number; group: number } };
    };
    expect(state.members.filter((member) => member.isAdmin).map((member) => member.staffId)).toEqual([
      ZHANG_SAN,
    ]);
    expect(state.features).toMatchObject({ images: true, maxTextChars: { dm: 20_000, group: 19_999 } });
  });

  it('accepts messages up to the callback’s 20,000 characters and refuses longer ones in Chinese', async () => {
    const tenThousand = await send(ZHAO_LIU, 'dm', '问'.repeat(10_000));
    expect(tenThousand).toMatchObject({ status: 200, body: { ackStatus: 200 } });
    const longest = await send(ZHAO_LIU, 'dm', 'a'.repeat(20_000));
    expect(longest).toMatchObject({ status: 200, body: { ackStatus: 200 } });
    const longestInGroup = await send(ZHAO_LIU, 'group', 'a'.repeat(19_999));
    expect(longestInGroup).toMatchObject({ status: 200, body: { ackStatus: 200 } });
    const tooLong = await send(ZHAO_LIU, 'dm', 'a'.repeat(20_001));
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error).toBe('消息太长：钉钉一条消息最多 20000 个字符，这条有 20001 个');
    expect((await send(ZHAO_LIU, 'group', 'a'.repeat(20_000))).body.error).toContain('最多 19999 个字符');
    expect((await send(ZHAO_LIU, 'dm', '  ')).body.error).toBe('消息不能为空');
    expect((await send('nobody', 'dm', '你好')).body.error).toBe('发送失败：没有这个成员');
    await waitFor((e) => e.type === 'reply-done' && e.msgId === tenThousand.body.msgId);
  });

  it('sends a bare @-mention in the group, which the robot answers with its help', async () => {
    const { status, body } = await send(LI_SI, 'group', '');
    expect(status).toBe(200);
    expect(body.ackStatus).toBe(200);
    const help = await waitFor(
      (e) => e.type === 'robot-message' && e.chatKey === 'group' && String(e.text).includes('| 指令 |'),
    );
    expect(String(help.text)).not.toContain('#统计');
  });

  it('serves the #图片 image from the emulated DingTalk media, and 404 for ids it does not know', async () => {
    await send(ZHANG_SAN, 'dm', '#图片 一只猫');
    const answer = await waitFor(
      (e) => e.type === 'robot-message' && String(e.text).startsWith('![一只猫]('),
    );
    const mediaId = /\((@[\w-]+)\)$/.exec(String(answer.text))?.[1] ?? '';
    const image = await fetch(`${playground.url}/api/media/${encodeURIComponent(mediaId)}`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await image.arrayBuffer());
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect((await fetch(`${playground.url}/api/media/%40lADPunknown`)).status).toBe(404);
  });

  it('takes `npm run callback` with the address, secret and webhook it prints, and shows it in the group', async () => {
    const { url, secret, webhook } = playground.callback;
    expect(secret).toBe('playground-app-secret-not-a-real-one-0123456789abcdef');
    expect(webhook).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/robot\/sendBySession\?session=callback$/);
    const run = await runScript('callback.ts', [
      '--url',
      url,
      '--secret',
      secret,
      '--webhook',
      webhook,
      '--group',
      '--text',
      '来自终端的问题',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('HTTP 200');
    const question = await waitFor((e) => e.type === 'user-message' && e.text === '来自终端的问题');
    expect(question).toMatchObject({
      chatKey: 'group',
      sender: { staffId: 'smoketest0001', nick: '冒烟测试' },
    });
    await waitFor((e) => e.type === 'ack' && e.msgId === question.msgId && e.status === 200);
    await waitFor(
      (e) => e.type === 'robot-message' && e.chatKey === 'group' && String(e.text).includes('来自终端的问题'),
    );
  });
});
