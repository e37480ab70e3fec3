import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DingTalkApi,
  type EmulatedCard,
  startDingTalkApi,
} from '../../../scripts/emulators/dingtalk-api';
import {
  type AnswerCard,
  type AnswerCardSettings,
  createAnswerCards,
} from '../../../src/dingtalk/answer-card';
import { MAX_CALLS_PER_ANSWER, MAX_CARDS_PER_ANSWER } from '../../../src/dingtalk/card-budget';
import { BUILT_IN_CARD_TEMPLATE, BUILT_IN_CONTENT_KEY } from '../../../src/dingtalk/card-template';
import { reopenFenceAfter } from '../../../src/dingtalk/cut-card-text';
import type { DingTalkApp } from '../../../src/dingtalk/openapi-client';
import type { DeliveryTarget } from '../../../src/ports';
import { createFileTokenCache } from '../../../src/storage/file-token-cache';
import { createNodeVolume } from '../../../src/storage/node-volume';
import { captureLogger } from '../../helpers/capture-logger';
import { directChatTarget } from '../../helpers/delivery-target';

const APP: DingTalkApp = {
  appKey: 'dingcardtest0001',
  appSecret: 'card-app-secret-must-never-be-logged-5b1e',
};
const STAFF_ID = '0426581234567890';
const GROUP_ID = 'cidAsXSBLnQ8rT2vY6wZ1kP4mN9bV3cX7hJ5gF0dS2aE=';
const CUSTOM_TEMPLATE = '5d1c6a5e-7f6b-4a2e-9a51-card-test.schema';
const NOTICE = '抱歉，模型服务响应超时，请稍后再试。';
const FENCE = /^\s*(`{3,}|~{3,})/;

const stands: DingTalkApi[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const stand of stands.splice(0)) await stand.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A DingTalk stand-in closed after the test. */
async function startStand(options: { cardTemplates?: string[] } = {}): Promise<DingTalkApi> {
  const stand = await startDingTalkApi({
    apps: [APP],
    cardTemplates: options.cardTemplates ?? [BUILT_IN_CARD_TEMPLATE, CUSTOM_TEMPLATE],
  });
  stands.push(stand);
  return stand;
}

async function setUp(
  options: {
    settings?: Partial<AnswerCardSettings>;
    tokenDir?: string;
    stand?: DingTalkApi;
    requestTimeoutMs?: number;
  } = {},
) {
  const api = options.stand ?? (await startStand());
  const cards = createAnswerCards({
    apps: [APP],
    apiBase: api.url,
    clock: Date.now,
    settings: {
      templateId: BUILT_IN_CARD_TEMPLATE,
      contentKey: BUILT_IN_CONTENT_KEY,
      updateIntervalMs: 500,
      ...options.settings,
    },
    retryDelaysMs: [10, 20],
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.tokenDir === undefined
      ? {}
      : {
          tokenCache: createFileTokenCache({ volume: createNodeVolume(options.tokenDir), clock: Date.now }),
        }),
  });
  return { api, cards, logger: captureLogger('info') };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'answer-card-test-'));
  dirs.push(dir);
  return dir;
}

function dmTarget(overrides: Partial<DeliveryTarget> = {}): DeliveryTarget {
  return directChatTarget(
    {
      robotCode: APP.appKey,
      senderStaffId: STAFF_ID,
      sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=not-used-by-cards',
    },
    overrides,
  );
}

function groupTarget(overrides: Partial<DeliveryTarget> = {}): DeliveryTarget {
  return dmTarget({ conversationType: 'group', conversationId: GROUP_ID, ...overrides });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Feeds `answer` to the card the way a streaming model would: growing prefixes, `step` characters every `everyMs`. */
async function feed(card: AnswerCard, answer: string, step: number, everyMs: number): Promise<void> {
  const startedAt = Date.now();
  for (let i = 1; (i - 1) * step < answer.length; i++) {
    card.update(answer.slice(0, Math.min(i * step, answer.length)));
    // On schedule even when timers run late, so the answer takes as long as a model would.
    await sleep(Math.max(0, startedAt + i * everyMs - Date.now()));
  }
}

/** Waits (bounded) until `check` holds; the timers under test are real. */
async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await sleep(5);
  }
}

function onlyCard(stand: DingTalkApi): EmulatedCard {
  expect(stand.cards.size).toBe(1);
  return [...stand.cards.values()][0]!;
}

function cardCalls(stand: DingTalkApi, path: string) {
  return stand.calls.filter((call) => call.path === path);
}

function warnings(lines: Array<Record<string, unknown>>) {
  return lines.filter((line) => line.level === 'warn');
}

/** Checks that the cards followed by the markdown rest the caller posts make exactly the answer, once. */
function expectWholeAnswer(stand: DingTalkApi, answer: string, result: { deliveredChars: number }): void {
  const contents = [...stand.cards.values()].map((card) => card.content.replace(/\n\n（接下一条消息）$/, ''));
  const shown = answer.slice(0, result.deliveredChars);
  expect(rebuild(contents, answer)).toBe(shown);
  const rest = reopenFenceAfter(shown) + answer.slice(result.deliveredChars);
  expect(fencesBalanced(rest)).toBe(true);
}

/** Prose with a code block among it, at most `chars` characters and close to that. */
function sizedAnswer(chars: number): string {
  const lines = Array.from(
    { length: Math.max(1, Math.floor(chars / 120)) },
    (_, i) => `    total += f(${i})`,
  );
  const code = `\`\`\`python\n${lines.join('\n')}\n\`\`\``;
  const parts: string[] = [];
  for (let i = 0; ; i++) {
    const next = i === 2 ? code : `第${i}段：${'流式卡片会把长回答拆成几张卡片。'.repeat(2)}`;
    if ([...parts, next].join('\n\n').length > chars) break;
    parts.push(next);
  }
  return parts.join('\n\n');
}

/** Mixed prose and one long code block, about `chars` characters. */
function longAnswer(chars: number): string {
  const paragraph = (i: number) => `第${i}段：${'流式卡片会把长回答拆成几张卡片，每张都要完整。'.repeat(3)}`;
  const code = Array.from({ length: 60 }, (_, i) => `    total += compute(${i})  # 第${i}行`).join('\n');
  const parts: string[] = [];
  let i = 0;
  while (parts.join('\n\n').length < chars / 2) parts.push(paragraph(i++));
  parts.push(`\`\`\`python\ndef main():\n${code}\n\`\`\``);
  while (parts.join('\n\n').length < chars) parts.push(paragraph(i++));
  return parts.join('\n\n');
}

function fencesBalanced(text: string): boolean {
  return text.split('\n').filter((line) => FENCE.test(line)).length % 2 === 0;
}

/**
 * Rebuilds the answer from the cards' final contents: each card is the next piece of the answer, except for a
 * fence line reopened at its start and a closing fence line added at its end.
 */
function rebuild(contents: string[], answer: string): string {
  let position = 0;
  for (const content of contents) {
    const dropFirst = (text: string) =>
      FENCE.test(text.split('\n')[0] ?? '') ? text.slice(text.indexOf('\n') + 1) : text;
    const dropLast = (text: string) => {
      const last = text.lastIndexOf('\n');
      return FENCE.test(text.slice(last + 1)) ? text.slice(0, last + 1) : text;
    };
    const piece = [content, dropLast(content), dropFirst(content), dropFirst(dropLast(content))].find(
      (candidate) => answer.startsWith(candidate, position),
    );
    if (piece === undefined) throw new Error(`card does not continue the answer at ${position}`);
    position += piece.length;
  }
  return answer.slice(0, position);
}

describe('answer cards: streaming into the built-in AI card', () => {
  it('creates and delivers a DM card, streams growing prefixes into msgContent and ends it with exactly the answer', async () => {
    const { api, cards, logger } = await setUp({ settings: { updateIntervalMs: 100 } });
    const answer = '# 发布计划\n\n明天**上线**，后天复盘。\n\n1. 准备\n2. 发布\n3. 观察';
    const card = cards.start(dmTarget(), 'msgQ2FzZTEyMzQ1Njc4OTBhYmNkZWY=', logger.log)!;

    expect(await card.open()).toBe(true);
    await feed(card, answer, 5, 30);
    const result = await card.finish(answer);

    expect(result).toEqual({ delivered: true, deliveredChars: answer.length });
    const emulated = onlyCard(api);
    expect(emulated).toMatchObject({
      templateId: BUILT_IN_CARD_TEMPLATE,
      contentKey: 'msgContent',
      openSpaceId: `dtv1.card//IM_ROBOT.${STAFF_ID}`,
      robotCode: APP.appKey,
      delivered: true,
      content: answer,
      flowStatus: '3',
      finalized: true,
      error: false,
    });
    expect(emulated.params).toMatchObject({
      msgTitle: '',
      staticMsgContent: '',
      sys_full_json_obj: '{"order":["msgTitle","msgContent","staticMsgContent"]}',
    });
    const history = emulated.history.map((entry) => entry.content);
    expect(history.length).toBeGreaterThan(2);
    for (let i = 1; i < history.length; i++) expect(history[i]!.startsWith(history[i - 1]!)).toBe(true);
    const live = emulated.history.filter((entry) => !entry.isFinalize).map((entry) => entry.content.length);
    expect(live).toEqual([...new Set(live)].sort((a, b) => a - b));
    expect(emulated.history.at(-1)).toMatchObject({ isFinalize: true, content: answer });
    expect(emulated.history.filter((entry) => entry.isFinalize)).toHaveLength(1);
    // One instance update ends the card, text and flow status together: no separate streaming finalize.
    expect(api.calls.at(-1)).toMatchObject({ method: 'PUT', path: '/v1.0/card/instances', status: 200 });
    expect(cardCalls(api, '/v1.0/card/instances')).toHaveLength(1);
  });

  it('delivers a group card to IM_GROUP.<conversationId>, @-mentioning the sender', async () => {
    const { api, cards, logger } = await setUp();
    const card = cards.start(groupTarget(), 'msgR3JvdXBNZXNzYWdlSWQwMDAxMjM=', logger.log)!;

    expect(await card.open()).toBe(true);
    await card.finish('好的');

    expect(onlyCard(api)).toMatchObject({
      openSpaceId: `dtv1.card//IM_GROUP.${GROUP_ID}`,
      atUserIds: [STAFF_ID],
      content: '好的',
      flowStatus: '3',
    });
  });

  it('keeps a custom template working with its own content variable, within the same call budget', async () => {
    const { api, cards, logger } = await setUp({
      settings: { templateId: CUSTOM_TEMPLATE, contentKey: 'content', updateIntervalMs: 100 },
    });
    const answer = '自定义模板的回答。'.repeat(110);
    const card = cards.start(dmTarget(), 'msg-custom', logger.log)!;

    expect(await card.open()).toBe(true);
    await feed(card, answer, 10, 30);
    expect(await card.finish(answer)).toEqual({ delivered: true, deliveredChars: answer.length });

    expect(onlyCard(api)).toMatchObject({
      templateId: CUSTOM_TEMPLATE,
      params: { content: answer, flowStatus: '3' },
      contentKey: 'content',
      content: answer,
      finalized: true,
    });
    expect(onlyCard(api).params).not.toHaveProperty('msgContent');
    expect(card.calls).toBeLessThanOrEqual(12);
  });

  it('holds text given before the card exists and sends it as soon as the card is open', async () => {
    const { api, cards, logger } = await setUp();
    const card = cards.start(dmTarget(), 'msg-early', logger.log)!;

    const opened = card.open();
    card.update('早');
    expect(await opened).toBe(true);
    await until(() => onlyCard(api).history.length === 1);

    expect(onlyCard(api).history[0]).toMatchObject({ content: '早', isFinalize: false });
    await card.finish('早上好');
  });

  it('sends the first update, and one after a quiet period, within 400 ms of the text, and logs the latency', async () => {
    const { api, cards, logger } = await setUp();
    const card = cards.start(dmTarget(), 'msg-latency', logger.log)!;
    expect(await card.open()).toBe(true);
    await sleep(100);

    const firstAt = Date.now();
    card.update('x');
    await until(() => onlyCard(api).history.length === 1);
    await sleep(700);
    const secondAt = Date.now();
    card.update('xy');
    await until(() => onlyCard(api).history.length === 2);

    const [first, second] = onlyCard(api).history;
    expect(first!.at - firstAt).toBeLessThan(400);
    expect(second!.at - secondAt).toBeLessThan(400);
    await card.finish('xyz');
    const done = logger.lines().find((line) => line.msg === 'answer cards done');
    expect(done).toMatchObject({ cards: 1, calls: card.calls, spilled: false });
    expect(done?.firstUpdateMs).toBeLessThan(400);
  });

  it('coalesces a burst and still sends it after the interval when the model falls silent', async () => {
    const { api, cards, logger } = await setUp({ settings: { updateIntervalMs: 300 } });
    const card = cards.start(dmTarget(), 'msg-burst', logger.log)!;
    expect(await card.open()).toBe(true);

    for (const text of ['a', 'ab', 'abc', 'abcd']) card.update(text);
    await until(() => onlyCard(api).history.length === 2);
    await sleep(400);

    expect(onlyCard(api).history.map((entry) => entry.content)).toEqual(['a', 'abcd']);
    await card.finish('abcd');
    expect(onlyCard(api).history.map((entry) => entry.isFinalize)).toEqual([false, false, true]);
  });
});

describe('answer cards: the call budget', () => {
  it.each([
    [200, 12],
    [1000, 12],
    [5000, MAX_CALLS_PER_ANSWER],
    [20_000, MAX_CALLS_PER_ANSWER],
  ])(
    'an answer of %i characters streamed fast costs at most %i OpenAPI calls, token included',
    async (chars, most) => {
      const { api, cards, logger } = await setUp({ settings: { updateIntervalMs: 100 } });
      const answer = sizedAnswer(chars);
      expect(answer.length).toBeGreaterThan(chars * 0.9);
      const card = cards.start(groupTarget(), `msg-budget-${chars}`, logger.log)!;

      expect(await card.open()).toBe(true);
      await feed(card, answer, Math.ceil(chars / 100), 20);
      const result = await card.finish(answer);

      expect(card.calls).toBeLessThanOrEqual(most);
      expect(card.calls).toBe(api.calls.length);
      expect(api.cards.size).toBeLessThanOrEqual(MAX_CARDS_PER_ANSWER);
      for (const emulated of api.cards.values()) {
        expect(emulated).toMatchObject({ finalized: true, flowStatus: '3', error: false });
        expect(emulated.content.length).toBeLessThanOrEqual(2000);
      }
      expectWholeAnswer(api, answer, result);
      expect(result.delivered).toBe(result.deliveredChars === answer.length);
      const done = logger.lines().find((line) => line.msg === 'answer cards done');
      expect(done).toMatchObject({ calls: card.calls, cards: api.cards.size });
    },
  );

  it('1 000 characters cost at most 12 calls however slowly they come', async () => {
    const { api, cards, logger } = await setUp({ settings: { updateIntervalMs: 100 } });
    const answer = '流式卡片输出测试中。'.repeat(100);
    const card = cards.start(dmTarget(), 'msg-slow', logger.log)!;

    expect(await card.open()).toBe(true);
    await feed(card, answer, 10, 40);
    expect(await card.finish(answer)).toEqual({ delivered: true, deliveredChars: 1000 });

    expect(card.calls).toBeLessThanOrEqual(12);
    expect(onlyCard(api).history.filter((entry) => !entry.isFinalize).length).toBeGreaterThanOrEqual(4);
  });

  it('the next answer makes no token call', async () => {
    const { api, cards, logger } = await setUp();
    const answer = '流式卡片输出测试中。'.repeat(100);

    const first = cards.start(dmTarget(), 'msg-budget-1', logger.log)!;
    expect(await first.open()).toBe(true);
    await feed(first, answer, 10, 20);
    await first.finish(answer);
    const second = cards.start(dmTarget(), 'msg-budget-2', logger.log)!;
    expect(await second.open()).toBe(true);
    await feed(second, answer, 10, 20);
    await second.finish(answer);

    expect(first.calls + second.calls).toBe(api.calls.length);
    expect(cardCalls(api, '/v1.0/oauth2/accessToken')).toHaveLength(1);
    const summaries = logger.lines().filter((line) => line.msg === 'answer cards done');
    expect(summaries.map((line) => line.calls)).toEqual([first.calls, second.calls]);
  });

  it('paces a burst of concurrent answers under the per-app card QPS: nothing is refused, every card ends whole', async () => {
    const api = await startStand();
    const { cards } = await setUp({ stand: api, settings: { updateIntervalMs: 100 } });
    const logger = captureLogger('info');
    const answers = Array.from(
      { length: 24 },
      (_, i) => `第${i}个并发回答：${'卡片调用要排队。'.repeat(25)}`,
    );

    const results = await Promise.all(
      answers.map(async (answer, i) => {
        const card = cards.start(dmTarget({ senderStaffId: `staff${i}` }), `msg-burst-${i}`, logger.log)!;
        expect(await card.open()).toBe(true);
        await feed(card, answer, 40, 50);
        return { result: await card.finish(answer), calls: card.calls };
      }),
    );

    expect(api.qpsRejections).toBe(0);
    expect(results.every(({ result }, i) => result.deliveredChars === answers[i]!.length)).toBe(true);
    for (const { calls } of results) expect(calls).toBeLessThanOrEqual(MAX_CALLS_PER_ANSWER);
    const cardPaths = new Set([
      '/v1.0/card/instances/createAndDeliver',
      '/v1.0/card/streaming',
      '/v1.0/card/instances',
    ]);
    const cardCallTimes = api.calls.filter((call) => cardPaths.has(call.path)).length;
    expect(cardCallTimes).toBeGreaterThan(60);
    expect([...api.cards.values()].every((card) => card.flowStatus === '3')).toBe(true);
  });
});

describe('answer cards: errors and timeouts', () => {
  it('ends the card with the partial text and the notice, flow status FAILED', async () => {
    const { api, cards, logger } = await setUp({ settings: { updateIntervalMs: 100 } });
    const card = cards.start(dmTarget(), 'msg-timeout', logger.log)!;
    expect(await card.open()).toBe(true);
    await feed(card, '模型正在回答这个问题，', 4, 20);

    expect(await card.fail(NOTICE)).toEqual({ delivered: true });

    const emulated = onlyCard(api);
    expect(emulated).toMatchObject({ finalized: true, error: true, flowStatus: '5' });
    expect(emulated.content).toBe(`模型正在回答这个问题，\n\n${NOTICE}`);
  });

  it('shows only the notice when no text came, and closes an open code block before it', async () => {
    const { api, cards, logger } = await setUp();
    const empty = cards.start(dmTarget(), 'msg-empty', logger.log)!;
    const code = cards.start(dmTarget(), 'msg-code', logger.log)!;
    expect(await empty.open()).toBe(true);
    expect(await code.open()).toBe(true);

    await empty.fail(NOTICE);
    code.update('示例：\n\n```js\nconst a = 1;');
    await code.fail(NOTICE);

    const [first, second] = [...api.cards.values()];
    expect(first).toMatchObject({ content: NOTICE, error: true, flowStatus: '5' });
    expect(second).toMatchObject({ error: true, flowStatus: '5' });
    expect(second!.content).toBe(`示例：\n\n\`\`\`js\nconst a = 1;\n\`\`\`\n\n${NOTICE}`);
  });
});

describe('answer cards: rate limits (QpsLimit)', () => {
  it('retries a card creation refused with QpsLimit, after a pause', async () => {
    const { api, cards, logger } = await setUp();
    api.failCards('qps', 1, { api: 'create' });

    const card = cards.start(dmTarget(), 'msg-create-qps', logger.log)!;

    expect(await card.open()).toBe(true);
    expect(cardCalls(api, '/v1.0/card/instances/createAndDeliver').map((call) => call.status)).toEqual([
      403, 200,
    ]);
    await card.finish('限流后重试成功');
    expect(onlyCard(api)).toMatchObject({ content: '限流后重试成功', flowStatus: '3' });
    expect(warnings(logger.lines())).toHaveLength(0);
  });

  it('answers with markdown when creation stays rate-limited, and tries cards again on the next answer', async () => {
    const { api, cards, logger } = await setUp();
    api.failCards('qps', 3, { api: 'create' });

    expect(await cards.start(dmTarget(), 'msg-qps-1', logger.log)!.open()).toBe(false);
    expect(await cards.start(dmTarget(), 'msg-qps-2', logger.log)!.open()).toBe(true);
    const warns = warnings(logger.lines());
    expect(warns).toHaveLength(1);
    expect(warns[0]!.msg).toContain('rate limit');
  });

  it('skips a rate-limited live update: a later one carries the full text', async () => {
    const { api, cards, logger } = await setUp({ settings: { updateIntervalMs: 300 } });
    const card = cards.start(dmTarget(), 'msg-live-qps', logger.log)!;
    expect(await card.open()).toBe(true);
    api.failCards('qps', 1, { api: 'streaming' });

    card.update('第一段');
    await until(() => cardCalls(api, '/v1.0/card/streaming').length === 1);
    card.update('第一段，第二段');
    await until(() => onlyCard(api).history.length === 1);
    await card.finish('第一段，第二段。');

    expect(cardCalls(api, '/v1.0/card/streaming')[0]!.status).toBe(403);
    expect(onlyCard(api).history.map((entry) => entry.content)).toEqual([
      '第一段，第二段',
      '第一段，第二段。',
    ]);
  });

  it('retries a rate-limited end of the card', async () => {
    const { api, cards, logger } = await setUp();
    const card = cards.start(dmTarget(), 'msg-final-qps', logger.log)!;
    expect(await card.open()).toBe(true);
    api.failCards('qps', 2, { api: 'instance' });

    expect(await card.finish('完整的回答')).toEqual({ delivered: true, deliveredChars: 5 });

    expect(cardCalls(api, '/v1.0/card/instances').map((call) => call.status)).toEqual([403, 403, 200]);
    expect(onlyCard(api)).toMatchObject({ finalized: true, content: '完整的回答', flowStatus: '3' });
  });
});

describe('answer cards: quota, permissions and other fallbacks', () => {
  it.each([
    [
      'a used-up monthly quota (ApiCountLimitForOrg)',
      'quota',
      { legacy: false },
      { code: 'Forbidden.AccessDenied.ApiCountLimitForOrg' },
      '开发者后台',
    ],
    ['a used-up monthly quota (errcode 90020)', 'quota', { legacy: true }, { code: '90020' }, '开发者后台'],
    [
      'a missing Card.Instance.Write',
      403,
      { scope: 'Card.Instance.Write' },
      { scope: 'Card.Instance.Write' },
      'Card.Instance.Write',
    ],
  ] as const)(
    '%s at creation: one warn line with the code and the fix, then no calls while cards are off',
    async (_name, kind, failure, fields, fix) => {
      const { api, cards, logger } = await setUp();
      api.failCards(kind, 1, { api: 'create', ...failure });

      const first = cards.start(dmTarget(), 'msg-refused-1', logger.log)!;
      expect(await first.open()).toBe(false);
      const second = cards.start(dmTarget(), 'msg-refused-2', logger.log)!;
      expect(await second.open()).toBe(false);

      expect(first.calls).toBe(2);
      expect(second.calls).toBe(0);
      expect(api.cards.size).toBe(0);
      const warns = warnings(logger.lines());
      expect(warns).toHaveLength(1);
      expect(warns[0]).toMatchObject(fields);
      expect(warns[0]!.msg).toContain('answers go out as markdown');
      expect(warns[0]!.msg).toContain(fix);
    },
  );

  it('a quota used up mid-answer: the caller gets what the card shows, and the next answers are markdown', async () => {
    const { api, cards, logger } = await setUp({ settings: { updateIntervalMs: 100 } });
    const answer = '第一部分已经显示在卡片里。额度用完后，其余部分用 markdown 补发。';
    const card = cards.start(dmTarget(), 'msg-quota-mid', logger.log)!;
    expect(await card.open()).toBe(true);
    card.update(answer.slice(0, 13));
    await until(() => onlyCard(api).history.length === 1);
    api.failCards('quota', 100);

    card.update(answer.slice(0, 20));
    await until(() => cardCalls(api, '/v1.0/card/streaming').length === 2);
    const result = await card.finish(answer);

    expect(result).toEqual({ delivered: false, deliveredChars: 13 });
    const next = cards.start(dmTarget(), 'msg-after-quota', logger.log)!;
    expect(await next.open()).toBe(false);
    expect(next.calls).toBe(0);
    const warns = warnings(logger.lines());
    expect(warns).toHaveLength(1);
    expect(warns[0]!.msg).toContain('quota');
  });

  it('a missing Card.Streaming.Write: this card still gets the answer when complete, the next answers are markdown', async () => {
    const { api, cards, logger } = await setUp({ settings: { updateIntervalMs: 50 } });
    const answer = '没有流式权限时，卡片在回答完成后一次性显示。';
    const card = cards.start(dmTarget(), 'msg-no-streaming', logger.log)!;
    expect(await card.open()).toBe(true);
    api.failCards(403, 100, { scope: 'Card.Streaming.Write', api: 'streaming' });

    await feed(card, answer, 3, 20);
    const result = await card.finish(answer);

    expect(result).toEqual({ delivered: true, deliveredChars: answer.length });
    expect(cardCalls(api, '/v1.0/card/streaming')).toHaveLength(1);
    expect(onlyCard(api)).toMatchObject({ content: answer, flowStatus: '3' });
    expect(await cards.start(dmTarget(), 'msg-after-streaming', logger.log)!.open()).toBe(false);
    const warns = warnings(logger.lines());
    expect(warns).toHaveLength(1);
    expect(warns[0]!.msg).toContain('Card.Streaming.Write');
  });

  it('answers false on a failed delivery, and tries cards again on the next answer', async () => {
    const { api, cards, logger } = await setUp();
    api.failCards('undelivered', 1, { api: 'create' });

    expect(await cards.start(dmTarget(), 'msg-undelivered-1', logger.log)!.open()).toBe(false);
    expect(await cards.start(dmTarget(), 'msg-undelivered-2', logger.log)!.open()).toBe(true);
    expect(warnings(logger.lines())[0]!.msg).toContain('card_not_delivered');
  });

  it('finishes a card whose creation timed out, so it does not spin in the chat', async () => {
    const { api, cards, logger } = await setUp({ requestTimeoutMs: 300 });
    api.failCards('lost', 1, { api: 'create' });

    expect(await cards.start(dmTarget(), 'msg-lost', logger.log)!.open()).toBe(false);

    expect(onlyCard(api)).toMatchObject({
      delivered: true,
      flowStatus: '3',
      content: '（回复见下一条消息）',
    });
    expect(warnings(logger.lines())[0]!.msg).toContain('card_timeout');
  });

  it('names DINGTALK_CARD_TEMPLATE_ID when DingTalk does not know the template', async () => {
    const stand = await startStand({ cardTemplates: ['another.schema'] });
    const { cards, logger } = await setUp({ stand });

    expect(await cards.start(dmTarget(), 'msg-template', logger.log)!.open()).toBe(false);

    expect(warnings(logger.lines())[0]!.msg).toContain('DINGTALK_CARD_TEMPLATE_ID');
  });

  it('when the card breaks mid-way reports what the user has, so the caller posts exactly the rest', async () => {
    const { api, cards, logger } = await setUp({ settings: { updateIntervalMs: 50 } });
    const answer = '第一部分已经显示在卡片里。第二部分需要用 markdown 补发。';
    const card = cards.start(dmTarget(), 'msg-broken', logger.log)!;
    expect(await card.open()).toBe(true);
    card.update(answer.slice(0, 13));
    await until(() => onlyCard(api).history.length === 1);
    api.failCards(403, 100, { scope: 'Card.Streaming.Write', api: 'streaming' });
    api.failCards(403, 100, { scope: 'Card.Instance.Write', api: 'instance' });

    card.update(answer.slice(0, 20));
    await until(() => cardCalls(api, '/v1.0/card/streaming').length === 2);
    const result = await card.finish(answer);

    expect(result).toEqual({ delivered: false, deliveredChars: 13 });
    const shown = onlyCard(api).content;
    expect(shown + answer.slice(result.deliveredChars)).toBe(answer);
  });

  it('gives no card to a target without an app for its robotCode, or a DM without senderStaffId', async () => {
    const { cards, logger } = await setUp();

    expect(cards.start(dmTarget({ robotCode: 'dingotherrobot' }), 'm1', logger.log)).toBeUndefined();
    expect(cards.start(dmTarget({ robotCode: undefined }), 'm2', logger.log)).toBeUndefined();
    expect(cards.start(dmTarget({ senderStaffId: undefined }), 'm3', logger.log)).toBeUndefined();
    expect(cards.start(groupTarget({ senderStaffId: undefined }), 'm4', logger.log)).toBeDefined();
  });
});

describe('answer cards: long answers', () => {
  it.each([
    ['streamed', true],
    ['given at once', false],
  ])(
    'fills at most three cards (%s), each ended at a safe cut with fences balanced; the rest is left for markdown',
    async (_name, streamed) => {
      const { api, cards, logger } = await setUp({ settings: { updateIntervalMs: 100 } });
      const answer = longAnswer(8000);
      const card = cards.start(groupTarget(), 'msg-long', logger.log)!;
      expect(await card.open()).toBe(true);

      if (streamed) await feed(card, answer, 200, 10);
      const result = await card.finish(answer);

      expect(result.delivered).toBe(false);
      expect(result.deliveredChars).toBeGreaterThan(3000);
      const all = [...api.cards.values()];
      expect(all).toHaveLength(MAX_CARDS_PER_ANSWER);
      const base = all[0]!.outTrackId;
      expect(all.map((emulated) => emulated.outTrackId)).toEqual([base, `${base}-2`, `${base}-3`]);
      for (const emulated of all) {
        expect(emulated).toMatchObject({
          finalized: true,
          flowStatus: '3',
          openSpaceId: `dtv1.card//IM_GROUP.${GROUP_ID}`,
        });
        expect(emulated.content.length).toBeLessThanOrEqual(2000);
        expect(fencesBalanced(emulated.content)).toBe(true);
      }
      expect(all.at(-1)!.content.endsWith('（接下一条消息）')).toBe(true);
      expectWholeAnswer(api, answer, result);
      expect(card.calls).toBeLessThanOrEqual(MAX_CALLS_PER_ANSWER);
      const done = logger.lines().find((line) => line.msg === 'answer cards done');
      expect(done).toMatchObject({ cards: 3, spilled: true });
    },
  );
});

describe('answer cards: access token', () => {
  it('stores the token on the history volume, so a cold instance makes no token call', async () => {
    const dir = await tempDir();
    const stand = await startStand();
    const warm = await setUp({ stand, tokenDir: dir });
    const first = warm.cards.start(dmTarget(), 'msg-cold-1', warm.logger.log)!;
    expect(await first.open()).toBe(true);
    await first.finish('第一次');

    const cold = await setUp({ stand, tokenDir: dir });
    const second = cold.cards.start(dmTarget(), 'msg-cold-2', cold.logger.log)!;
    expect(await second.open()).toBe(true);
    await second.finish('第二次');

    expect(stand.tokensIssued).toBe(1);
    expect(first.calls).toBe(second.calls + 1);
    const file = join(
      dir,
      'tokens',
      `${createHash('sha256').update(APP.appKey).digest('hex').slice(0, 32)}.json`,
    );
    const stored = JSON.parse(await readFile(file, 'utf8')) as { accessToken: string };
    // Secrets never reach the log: neither the AppSecret nor the access token.
    for (const raw of [warm.logger.raw(), cold.logger.raw()]) {
      expect(raw).not.toContain(APP.appSecret);
      expect(raw).not.toContain(stored.accessToken);
    }
  });

  it('derives the same card ids from the same message id, so a retried invocation addresses the same cards', async () => {
    const { api, cards, logger } = await setUp();
    await cards.start(dmTarget(), 'msgSameId==', logger.log)!.open();
    const again = await setUp();
    await again.cards.start(dmTarget(), 'msgSameId==', again.logger.log)!.open();

    expect([...again.api.cards.keys()]).toEqual([...api.cards.keys()]);
    expect([...api.cards.keys()][0]).toMatch(/^[0-9a-f]{32}$/);
  });
});
