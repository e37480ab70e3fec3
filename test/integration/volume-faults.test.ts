import { createHash } from 'node:crypto';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultAnswer } from '../../scripts/emulators/chat-api';
import { formatUtcDay } from '../../src/storage/local-day';
import { freshMessage } from '../helpers/callbacks';
import type { Connector } from '../helpers/connector';
import { startConnector } from '../helpers/connector';

// The history volume is an OSS mount: it can be read-only (a wrong mount setting), full, missing (the mount
// failed) or failing (EIO). The reply bundle runs with a preloaded fault injector on node:fs (volume-faults.cjs)
// and the user must hear back every time.

const FAULTS = join(__dirname, '..', 'helpers', 'volume-faults.cjs');
let c: Connector;
let faultFile: string;

beforeAll(async () => {
  faultFile = join(__dirname, '..', '..', 'dist', `volume-fault-${process.pid}.txt`);
  await writeFile(faultFile, '');
  c = await startConnector({
    replyEnv: {
      NODE_OPTIONS: `--require ${FAULTS}`,
      VOLUME_FAULT_FILE: faultFile,
      MAX_REQUESTS_PER_DAY: '50',
      ADMIN_USERS: 'volume-admin',
    },
  });
});
afterAll(() => c.stop());
beforeEach(() => writeFile(faultFile, ''));

async function ask(text: string, staffId: string, webhook = c.dingtalk.newSessionWebhook()) {
  const session = new URL(webhook).searchParams.get('session');
  const before = c.dingtalk.posts.length;
  const logsBefore = (await c.replies[0]!.logs()).length;
  const body = freshMessage({ webhook, text, staffId });
  expect((await c.send(body)).statusCode).toBe(200);
  await c.settle();
  const posts = c.dingtalk.posts.slice(before).filter((post) => post.session === session);
  const logs = (await c.replies[0]!.logs()).slice(logsBefore);
  return {
    answers: posts.map((post) => String(post.body.markdown.text)),
    errors: logs.filter((line) => line.level === 'error' || line.level === 'fatal'),
    outcome: c.replyResults.at(-1)?.result,
    msgId: String(body.msgId),
  };
}

describe.each([
  ['read-only', 'readonly', 'EROFS'],
  ['full', 'full', 'ENOSPC'],
  ['not mounted', 'missing', 'EROFS'],
  ['failing (EIO)', 'eio', 'EIO'],
])('a history volume that is %s', (_name, fault, code) => {
  it('still answers a question, without history, and logs the fault once with its code', async () => {
    const webhook = c.dingtalk.newSessionWebhook();
    const staffId = `volume-${fault}`;
    await ask('有记忆的第一问', staffId, webhook);
    await writeFile(faultFile, fault);
    const { answers, errors, outcome } = await ask('出故障时的问题', staffId, webhook);
    expect(answers).toEqual([
      defaultAnswer('出故障时的问题', fault === 'eio' || fault === 'missing' ? 0 : 1),
    ]);
    expect(outcome).toEqual({ outcome: 'answered' });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      code,
      msg: 'history volume unavailable: answering without stored history',
    });
  });

  it('answers 帮助 as usual', async () => {
    await writeFile(faultFile, fault);
    const { answers, errors } = await ask('帮助', `volume-help-${fault}`);
    expect(answers).toHaveLength(1);
    expect(answers[0]).toContain('| 指令 | 说明 |');
    expect(errors.length).toBeLessThanOrEqual(1);
  });

  it('tells the user when a clear, a mode change or a report cannot be done', async () => {
    await writeFile(faultFile, fault);
    // 额度 only reads, which a read-only, full or missing volume still allows.
    for (const text of fault === 'eio' ? ['\\clear', '单聊', '额度'] : ['\\clear', '单聊']) {
      const { answers, errors } = await ask(text, `volume-commands-${fault}`);
      expect(answers).toEqual(['抱歉，机器人的存储暂时不可用，这个操作现在无法完成，请稍后再试。']);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.code).toBe(code);
    }
  });
});

describe('markers a failed write left behind', () => {
  it('a full disk leaves no processed-message ticket behind for the message it could not claim', async () => {
    await ask('先有别的消息的记录', 'marker-full');
    await writeFile(faultFile, 'full');
    const { answers, msgId } = await ask('磁盘满时的问题', 'marker-full');
    await writeFile(faultFile, '');
    expect(answers).toHaveLength(1);
    const hash = createHash('sha256').update(msgId).digest('hex').slice(0, 32);
    const tickets = await readdir(join(c.historyDir, 'processed'), { recursive: true });
    expect(tickets.filter((name) => /\.(claim|delivering|done)$/.test(name)).length).toBeGreaterThan(0);
    expect(tickets.filter((name) => name.includes(hash))).toEqual([]);
  });

  it('an empty marker whose lease has passed is taken over, so the message is answered', async () => {
    const body = freshMessage({
      webhook: c.dingtalk.newSessionWebhook(),
      text: '曾经写坏的消息',
      staffId: 'torn',
    });
    const name = createHash('sha256').update(String(body.msgId)).digest('hex').slice(0, 32);
    const dayDir = join(c.historyDir, 'processed', formatUtcDay(Date.now()));
    await mkdir(dayDir, { recursive: true });
    await writeFile(join(dayDir, `${name}.json`), '');
    const longAgo = new Date(Date.now() - 3_600_000);
    await utimes(join(dayDir, `${name}.json`), longAgo, longAgo);
    const before = c.dingtalk.posts.length;
    await c.send(body);
    await c.settle();
    expect(c.dingtalk.posts.slice(before).map((post) => post.body.markdown.text)).toEqual([
      defaultAnswer('曾经写坏的消息', 0),
    ]);
  });
});
