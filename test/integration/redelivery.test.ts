import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileHistoryStore } from '../../src/storage/file-history-store';
import { historyKey } from '../../src/storage/history-key';
import { createNodeVolume } from '../../src/storage/node-volume';
import { freshMessage } from '../helpers/callbacks';
import { captureLogger } from '../helpers/capture-logger';
import type { Connector } from '../helpers/connector';
import { startConnector } from '../helpers/connector';

let c: Connector;

const OSS_MOUNT = join(__dirname, '..', '..', 'scripts', 'emulators', 'oss-mount.cjs');

beforeAll(async () => {
  // Two reply instances: FC 3.0 may run every delivery of one message, or two messages of one sender, in
  // different instances (separate processes), so an in-process lock would prove nothing. Their history volume
  // behaves like FC's OSS mount: an exclusive create is a lookup, then 20 ms later an upload that replaces
  // whatever the other instance uploaded meanwhile, and every write is in flight 5 ms before it lands.
  c = await startConnector({
    replyInstances: 2,
    replyEnv: {
      NODE_OPTIONS: `--require ${OSS_MOUNT}`,
      OSS_MOUNT_CREATE_DELAY_MS: '20',
      OSS_MOUNT_WRITE_DELAY_MS: '5',
    },
  });
});
afterAll(() => c.stop());

function postsFor(webhook: string) {
  const session = new URL(webhook).searchParams.get('session');
  return c.dingtalk.posts.filter((post) => post.session === session);
}

describe('exactly one answer per message, on a mount whose exclusive create is not atomic', () => {
  it('runs both reply instances on the emulated OSS mount', async () => {
    const announced = (await readdir(c.historyDir)).filter((name) => name.startsWith('.oss-mount-emulated-'));
    expect(announced).toHaveLength(2);
  });

  it('a DingTalk redelivery of the same msgId is queued once (FC task id → 409) and answered once', async () => {
    const webhook = c.dingtalk.newSessionWebhook();
    const message = freshMessage({ webhook, text: '重复投递' });
    const invocations = c.fc.invocations.length;
    expect((await c.send(message)).statusCode).toBe(200);
    expect((await c.send(message)).statusCode).toBe(200);
    await c.settle();
    expect(c.fc.invocations.length - invocations).toBe(1);
    expect(c.fc.rejections.at(-1)?.status).toBe(409);
    expect(postsFor(webhook)).toHaveLength(1);
  });

  it('an FC re-delivery of an invocation that already ran posts nothing more, in any instance', async () => {
    const webhook = c.dingtalk.newSessionWebhook();
    await c.send(freshMessage({ webhook, text: '至少一次' }));
    await c.settle();
    const invocation = c.fc.invocations.at(-1);
    expect(invocation).toBeDefined();
    const chatCalls = c.chat.requests.length;
    const again = await c.redeliver(invocation!);
    const third = await c.redeliver(invocation!);
    expect(again.result).toEqual({ outcome: 'duplicate' });
    expect(third.result).toEqual({ outcome: 'duplicate' });
    expect(postsFor(webhook)).toHaveLength(1);
    expect(c.chat.requests.length).toBe(chatCalls);
  });

  it('concurrent deliveries of one invocation in two instances answer once', async () => {
    const webhook = c.dingtalk.newSessionWebhook();
    await c.send(freshMessage({ webhook, text: '并发重复' }));
    await c.settle();
    const invocation = c.fc.invocations.at(-1)!;
    // Also a brand-new message delivered twice at the same moment to both instances:
    const fresh = Buffer.from(
      invocation.body
        .toString('utf8')
        .replace(/"msgId":"[^"]+"/, '"msgId":"msgConcurrentTwin+/=="')
        .replace(/"text":"[^"]*"/, '"text":"双胞胎"'),
    );
    const results = await Promise.all([
      c.redeliver({ ...invocation, body: fresh }),
      c.redeliver({ ...invocation, body: fresh }),
    ]);
    const outcomes = results.map((r) => (r.result as { outcome: string }).outcome).sort();
    expect(outcomes).toEqual(['answered', 'duplicate']);
    expect(postsFor(webhook).filter((post) => post.body.markdown.text.includes('双胞胎'))).toHaveLength(1);
  });

  it('concurrent messages of one sender in different instances lose no turn', async () => {
    const webhook = c.dingtalk.newSessionWebhook();
    const staffId = 'staff-concurrent';
    const messages = Array.from({ length: 6 }, (_, i) =>
      freshMessage({ webhook, text: `并发问题${i}`, staffId }),
    );
    const responses = await Promise.all(messages.map((message) => c.send(message)));
    expect(responses.every((response) => response.statusCode === 200)).toBe(true);
    await c.settle();
    expect(postsFor(webhook)).toHaveLength(6);

    // The next question carries every earlier turn (HISTORY_LENGTH 10 would be needed for all; default is 5).
    const next = freshMessage({ webhook, text: '总结一下', staffId });
    await c.send(next);
    await c.settle();
    const context = c.chat.requests
      .at(-1)!
      .messages.filter((m) => m.role === 'user')
      .map((m) => m.content);
    expect(context).toHaveLength(6); // 5 earlier turns (HISTORY_LENGTH) + the question
    expect(new Set(context).size).toBe(6);

    const key = historyKey([String(next.conversationId), staffId]);
    const store = createFileHistoryStore({
      volume: createNodeVolume(c.historyDir),
      logger: captureLogger().log,
    });
    const stored = (await store.load(key, 1000)).map((turn) => turn.question).sort();
    expect(stored).toEqual(
      [...messages.map((m) => (m.text as { content: string }).content), '总结一下'].sort(),
    );
  });
});
