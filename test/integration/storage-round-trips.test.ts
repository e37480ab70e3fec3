import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_PNG } from '../../scripts/emulators/chat-api';
import { freshMessage } from '../helpers/callbacks';
import type { Connector } from '../helpers/connector';
import { startConnector } from '../helpers/connector';

// Every reply logs one line with what the message cost on the history volume, before the model's answer (up to
// the chat request, or the reply's text for a command) and after it. Each operation waits 20 ms here
// (HISTORY_VOLUME_LATENCY_MS), as on the OSS mount every operation takes about as long: round trips are then the
// chains of operations that had to wait for one another (a busy machine's jitter stays well below 20 ms). The
// budgets: at most 3 before, 2 after.

interface Counts {
  beforeModel: { roundTrips: number; ops: number };
  afterModel: { roundTrips: number; ops: number };
}

const SLOW_VOLUME = { HISTORY_VOLUME_LATENCY_MS: '20' };

async function costOf(c: Connector, body: Record<string, unknown>): Promise<Counts> {
  expect((await c.send(body)).statusCode).toBe(200);
  await c.settle();
  const logs = (await Promise.all(c.replies.map((reply) => reply.logs()))).flat();
  const line = logs.find((entry) => entry.msg === 'storage operations' && entry.msgId === body.msgId);
  expect(line, 'the storage line of the message').toBeDefined();
  console.log(
    'COUNTS',
    String(body.text ? JSON.stringify(body.text) : body.msgtype),
    JSON.stringify(line?.storage),
  );
  return line?.storage as Counts;
}

function expectWithinBudget(counts: Counts): void {
  expect(counts.beforeModel.roundTrips).toBeLessThanOrEqual(3);
  expect(counts.afterModel.roundTrips).toBeLessThanOrEqual(2);
}

describe('markdown answers', () => {
  let c: Connector;
  beforeAll(async () => {
    c = await startConnector({ replyEnv: { ...SLOW_VOLUME, ADMIN_USERS: 'round-trip-admin' } });
  });
  afterAll(() => c.stop());
  const message = (text: string, staffId: string, webhook = c.dingtalk.newSessionWebhook()) =>
    freshMessage({ webhook, text, staffId });

  it('a question with history: claim and reads together, then the turns; the claim moves on, then the writes', async () => {
    const webhook = c.dingtalk.newSessionWebhook();
    await costOf(c, message('第一个问题', 'rt-history', webhook));
    const counts = await costOf(c, message('第二个问题', 'rt-history', webhook));
    expect(counts).toMatchObject({ beforeModel: { roundTrips: 2 }, afterModel: { roundTrips: 2 } });
    // A turn's history load lists the days, today, yesterday and the v1 hint, then reads the one turn.
    expect(counts.beforeModel.ops).toBeLessThanOrEqual(12);
  });

  it.each(['帮助', '单聊', '串聊', '\\clear', '重置', 'whoami', '模板', '#统计'])(
    'the command %s stays within the budget',
    async (text) => {
      const staffId = text === '#统计' ? 'round-trip-admin' : `rt-command-${text}`;
      await costOf(c, message('先问一句', staffId));
      expectWithinBudget(await costOf(c, message(text, staffId)));
    },
  );

  it('#查对话 finds the user alongside the claim; their histories then cost one more round trip than a question', async () => {
    const webhook = c.dingtalk.newSessionWebhook();
    await costOf(c, message('被查的人的问题', 'rt-looked-up', webhook));
    const counts = await costOf(c, message('#查对话 rt-looked-up', 'round-trip-admin'));
    expect(c.dingtalk.posts.at(-1)?.body.markdown.text).toContain('被查的人的问题');
    expect(counts.beforeModel.roundTrips).toBe(4);
    expect(counts.afterModel.roundTrips).toBeLessThanOrEqual(2);
  });

  it('a picture: the download happens alongside, never between round trips', async () => {
    const body = {
      ...freshMessage({
        webhook: c.dingtalk.newSessionWebhook(),
        fixture: 'dm-picture',
        staffId: 'rt-picture',
      }),
      content: { downloadCode: c.dingtalk.receiveFile(TINY_PNG) },
    };
    expectWithinBudget(await costOf(c, body));
  });

  it('a redelivered message costs its claim only, and nothing after', async () => {
    const body = message('只回答一次', 'rt-duplicate');
    await costOf(c, body);
    const invocation = c.fc.invocations.at(-1);
    expect(invocation).toBeDefined();
    await c.redeliver(invocation!);
    const logs = await c.replies[0]!.logs();
    const lines = logs.filter((entry) => entry.msg === 'storage operations' && entry.msgId === body.msgId);
    expect(lines).toHaveLength(2);
    // The redelivery's ticket is removed after the verdict, off the path of the reply.
    expect(lines[1]?.storage).toMatchObject({
      beforeModel: { roundTrips: 2 },
      afterModel: { roundTrips: 1, ops: 1 },
    });
  });
});

describe('with a daily quota', () => {
  let c: Connector;
  beforeAll(async () => {
    c = await startConnector({ replyEnv: { ...SLOW_VOLUME, MAX_REQUESTS_PER_DAY: '3' } });
  });
  afterAll(() => c.stop());

  it('every question takes its quota within the three round trips, near the limit and past it', async () => {
    const webhook = c.dingtalk.newSessionWebhook();
    for (const text of ['一', '二', '三']) {
      const counts = await costOf(c, freshMessage({ webhook, text, staffId: 'rt-quota' }));
      expect(counts.beforeModel.roundTrips).toBe(3);
      expect(counts.afterModel.roundTrips).toBeLessThanOrEqual(2);
    }
    // Refused at once: the day is full in the first listing, nothing is written.
    const refused = await costOf(c, freshMessage({ webhook, text: '四', staffId: 'rt-quota' }));
    expect(refused.beforeModel.roundTrips).toBe(2);
    expect(c.dingtalk.posts.at(-1)?.body.markdown.text).toContain('今天的 3 次提问已经用完了');
  });

  it('a picture whose download fails gives back the quota taken ahead of it', async () => {
    const staffId = 'rt-quota-picture';
    const body = {
      ...freshMessage({ webhook: c.dingtalk.newSessionWebhook(), fixture: 'dm-picture', staffId }),
      content: { downloadCode: 'a-code-dingtalk-never-issued' },
    };
    expectWithinBudget(await costOf(c, body));
    expect(c.dingtalk.posts.at(-1)?.body.markdown.text).toContain('请重新发送');
    await costOf(c, freshMessage({ webhook: c.dingtalk.newSessionWebhook(), text: '额度', staffId }));
    expect(c.dingtalk.posts.at(-1)?.body.markdown.text).toContain('已用 0 次');
  });

  it('额度 reads the count alongside the claim', async () => {
    const counts = await costOf(
      c,
      freshMessage({ webhook: c.dingtalk.newSessionWebhook(), text: '额度', staffId: 'rt-quota-peek' }),
    );
    expect(counts.beforeModel.roundTrips).toBe(2);
  });
});

describe('AI cards', () => {
  let c: Connector;
  beforeAll(async () => {
    c = await startConnector({ cards: true, replyEnv: SLOW_VOLUME });
  });
  afterAll(() => c.stop());

  it('the claim moves on before the card exists, within the three round trips; after the answer, one', async () => {
    const webhook = c.dingtalk.newSessionWebhook();
    await costOf(c, freshMessage({ webhook, text: '第一个问题', staffId: 'rt-card' }));
    const counts = await costOf(c, freshMessage({ webhook, text: '第二个问题', staffId: 'rt-card' }));
    expect(counts).toMatchObject({ beforeModel: { roundTrips: 3 }, afterModel: { roundTrips: 1 } });
    expect(c.dingtalk.cards.size).toBe(2);
  });
});
