import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatApi } from '../../scripts/emulators/chat-api';
import { startChatApi } from '../../scripts/emulators/chat-api';
import type { Playground } from '../../scripts/playground/playground';
import { startPlayground } from '../../scripts/playground/playground';
import { playgroundEvents, sendAsMember, startTestPlayground, waitForEvent } from '../helpers/playground-api';

describe('the playground with the offline demo model', () => {
  let playground: Playground;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'playground-'));
    playground = await startPlayground({ port: 0, dataDir, envFile: null, printLogs: false, cards: false });
  });
  afterAll(async () => {
    await playground.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves the page and its state, labelling the demo model', async () => {
    const page = await fetch(`${playground.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const state = (await (await fetch(`${playground.url}/api/state`)).json()) as {
      model: { demo: boolean; hint: string };
      members: unknown[];
    };
    expect(state.model.demo).toBe(true);
    expect(state.model.hint).toContain('OPENAI_API_KEY');
    expect(state.members.length).toBeGreaterThanOrEqual(3);
  });

  it('runs a direct message through both functions and shows every step of its path', async () => {
    const { status, body } = await sendAsMember(playground.url, '0426581234567890', 'dm', '你好');
    expect(status).toBe(200);
    expect(body.ackStatus).toBe(200);
    const msgId = body.msgId as string;
    await waitForEvent(playground.url, (e) => e.type === 'reply-done' && e.msgId === msgId);
    const answer = await waitForEvent(
      playground.url,
      (e) => e.type === 'robot-message' && e.chatKey === 'dm:0426581234567890',
    );
    expect(answer.text).toContain('离线演示');
    const all = await playgroundEvents(playground.url);
    const mine = all.filter((e) => e.msgId === msgId);
    expect(mine.map((e) => e.type)).toEqual(
      expect.arrayContaining(['user-message', 'ack', 'invoke', 'trace', 'reply-done']),
    );
    expect(mine.find((e) => e.type === 'invoke')?.api).toBe('2023-03-30');
    expect(mine.some((e) => e.type === 'trace' && e.msg === 'chat API answered')).toBe(true);
    expect(mine.some((e) => e.type === 'trace' && e.msg === 'answer delivered')).toBe(true);
    // History lives in the data directory, through the production code path.
    expect(await readdir(join(dataDir, 'history'))).toHaveLength(1);
  });

  it('sends group messages as @-mentions and the answer @-mentions the sender', async () => {
    const { body } = await sendAsMember(playground.url, '1665012345698', 'group', '明天的发布计划是什么？');
    const answer = await waitForEvent(
      playground.url,
      (e) => e.type === 'robot-message' && e.chatKey === 'group' && String(e.text).includes('明天的发布计划'),
    );
    expect(answer.atUserIds).toEqual(['1665012345698']);
    expect(answer.text).toContain('@1665012345698');
    const trace = (await playgroundEvents(playground.url)).find(
      (e) => e.msgId === body.msgId && e.msg === 'callback text',
    );
    expect((trace?.fields as { text?: string } | undefined)?.text).toBe(' 明天的发布计划是什么？');
  });

  it('keeps history and clears it with \\clear', async () => {
    const staffId = '2103456789012';
    await sendAsMember(playground.url, staffId, 'dm', '第一问');
    await waitForEvent(
      playground.url,
      (e) => e.type === 'robot-message' && String(e.text).includes('第一问'),
    );
    await sendAsMember(playground.url, staffId, 'dm', '第二问');
    const second = await waitForEvent(
      playground.url,
      (e) => e.type === 'robot-message' && String(e.text).includes('第二问'),
    );
    expect(second.text).toContain('1 轮历史');
    await sendAsMember(playground.url, staffId, 'dm', '\\clear');
    await waitForEvent(
      playground.url,
      (e) => e.type === 'robot-message' && String(e.text).includes('已清空') && e.chatKey === `dm:${staffId}`,
    );
    await sendAsMember(playground.url, staffId, 'dm', '第三问');
    const third = await waitForEvent(
      playground.url,
      (e) => e.type === 'robot-message' && String(e.text).includes('第三问'),
    );
    expect(third.text).toContain('没有带历史');
  });

  it('splits a long answer into ordered parts', async () => {
    const { body } = await sendAsMember(playground.url, '3307890123456', 'dm', '来个长回答');
    await waitForEvent(playground.url, (e) => e.type === 'reply-done' && e.msgId === body.msgId);
    const parts = (await playgroundEvents(playground.url)).filter(
      (e) => e.type === 'robot-message' && e.chatKey === 'dm:3307890123456',
    );
    expect(parts.length).toBeGreaterThan(1);
    expect(String(parts[0]?.text)).toContain('来个长回答');
  });

  it('exposes the conversation function as an HTTP trigger that checks signatures', async () => {
    const response = await fetch(`${playground.url}/conversation`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        timestamp: String(Date.now()),
        sign: `${'x'.repeat(43)}=`,
      },
      body: '{}',
    });
    expect(response.status).toBe(401);
  });

  it('the page needs nothing from outside the machine', async () => {
    const dir = join(__dirname, '..', '..', 'scripts', 'playground', 'public');
    for (const name of await readdir(dir)) {
      const text = await readFile(join(dir, name), 'utf8');
      expect(text).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
      expect(text).not.toMatch(/@import\s+url\(\s*["']?https?:/i);
    }
  });
});

describe('the playground with a model from .env', () => {
  let playground: Playground;
  let stop: () => Promise<void>;
  let model: ChatApi;

  beforeAll(async () => {
    model = await startChatApi({ apiKey: 'sk-from-dot-env', answer: () => '来自 .env 配置的模型' });
    ({ playground, stop } = await startTestPlayground({
      env: `OPENAI_API_KEY=sk-from-dot-env\nOPENAI_BASE_URL=${model.baseUrl}\nOPENAI_MODEL=qwen-plus\nHISTORY_DIR=/mnt/ignored\n`,
    }));
  });
  afterAll(async () => {
    await stop();
    await model.close();
  });

  it('talks to the configured OpenAI-compatible API instead of the demo model', async () => {
    expect(playground.model).toMatchObject({ demo: false, name: 'qwen-plus' });
    await sendAsMember(playground.url, '0426581234567890', 'dm', '真实模型你好');
    const answer = await waitForEvent(playground.url, (e) => e.type === 'robot-message');
    expect(answer.text).toBe('来自 .env 配置的模型');
    expect(model.requests.at(-1)).toMatchObject({ model: 'qwen-plus' });
  });
});

describe('the playground with AI cards (its default)', () => {
  let playground: Playground;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'playground-cards-'));
    playground = await startPlayground({ port: 0, dataDir, envFile: null, printLogs: false });
  });
  afterAll(async () => {
    await playground.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('streams the demo model into a card: several updates, then finalized with the whole answer', async () => {
    const { body } = await sendAsMember(playground.url, '0426581234567890', 'dm', '写段代码');
    await waitForEvent(playground.url, (e) => e.type === 'reply-done' && e.msgId === body.msgId);
    const updates = (await playgroundEvents(playground.url)).filter(
      (e) => e.type === 'card' && e.chatKey === 'dm:0426581234567890',
    );
    expect(updates.length).toBeGreaterThan(2);
    const last = updates.at(-1);
    expect(last).toMatchObject({ finalized: true, flowStatus: '3', error: false });
    expect(String(last?.content)).toContain('离线演示');
    expect(String(last?.content)).toContain('```typescript');
    // Commands still answer as plain messages.
    await sendAsMember(playground.url, '0426581234567890', 'dm', '帮助');
    await waitForEvent(
      playground.url,
      (e) => e.type === 'robot-message' && String(e.text).includes('| 指令 |'),
    );
  });
});

describe('the playground covers the admin and image commands offline', () => {
  let playground: Playground;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'playground-admin-'));
    playground = await startPlayground({ port: 0, dataDir, envFile: null, printLogs: false, cards: false });
  });
  afterAll(async () => {
    await playground.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('张三 is the admin: #统计 works for him and is refused to others; #图片 goes through media upload', async () => {
    await sendAsMember(playground.url, '1665012345698', 'dm', '李四的问题');
    await waitForEvent(
      playground.url,
      (e) => e.type === 'robot-message' && String(e.text).includes('李四的问题'),
    );
    await sendAsMember(playground.url, '0426581234567890', 'dm', '#统计');
    const stats = await waitForEvent(
      playground.url,
      (e) => e.type === 'robot-message' && String(e.text).includes('今天的使用情况'),
    );
    expect(String(stats.text)).toContain('李四');
    await sendAsMember(playground.url, '1665012345698', 'dm', '#统计');
    await waitForEvent(
      playground.url,
      (e) => e.type === 'robot-message' && String(e.text).includes('只有管理员'),
    );
    await sendAsMember(playground.url, '2103456789012', 'dm', '#图片 一只猫');
    const image = await waitForEvent(
      playground.url,
      (e) => e.type === 'robot-message' && String(e.text).startsWith('![一只猫]('),
    );
    expect(String(image.text)).toMatch(/^!\[一只猫\]\(@[\w-]+\)$/);
  });
});
