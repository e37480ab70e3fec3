import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveHttpTrigger } from '../../scripts/emulators/http-trigger';
import type { Connector } from '../helpers/connector';
import { APP_SECRET, startConnector } from '../helpers/connector';
import type { ScriptRun } from './run-script';
import { runScript } from './run-script';

// A DingTalk sign is 32 bytes in base64: 43 characters and one '='. Nothing printed may look like one.
const SIGN_LIKE = /[A-Za-z0-9+/]{43}=/;

/** Runs scripts/callback.ts in its own process with exactly `env` (plus PATH). */
function runCallback(args: string[], env: Record<string, string> = {}): Promise<ScriptRun> {
  return runScript('callback.ts', args, env);
}

/** The reply job conversation handed to FC for the latest invocation. */
function lastJob(connector: Connector): Record<string, unknown> {
  const invocation = connector.fc.invocations.at(-1);
  if (!invocation) throw new Error('no invocation recorded');
  return JSON.parse(invocation.body.toString('utf8')) as Record<string, unknown>;
}

describe('npm run callback', () => {
  let connector: Connector;
  let trigger: { url: string; close(): Promise<void> };
  /** Every run is also checked for leaks: neither the secret nor anything shaped like a sign is printed. */
  const run = async (args: string[], env?: Record<string, string>): Promise<ScriptRun> => {
    const result = await runCallback(args, env);
    expect(result.stdout + result.stderr).not.toContain(APP_SECRET);
    expect(result.stdout + result.stderr).not.toMatch(SIGN_LIKE);
    return result;
  };

  beforeAll(async () => {
    connector = await startConnector();
    trigger = await serveHttpTrigger(connector.conversation);
  });

  afterAll(async () => {
    await trigger?.close();
    await connector?.stop();
  });

  it('gets 200 for a signed DM, reply runs once and the answer arrives at the --webhook session', async () => {
    const webhook = connector.dingtalk.newSessionWebhook();
    const before = connector.fc.invocations.length;
    const result = await run([
      '--url',
      trigger.url,
      '--secret',
      APP_SECRET,
      '--text',
      '冒烟测试的问题',
      '--webhook',
      webhook,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/HTTP 200 in \d+ ms/);
    expect(result.stdout).toContain('OK: the signature was accepted');
    await connector.settle();
    expect(connector.fc.invocations.length).toBe(before + 1);
    expect(lastJob(connector)).toMatchObject({
      conversationType: 'single',
      content: { kind: 'text', text: '冒烟测试的问题' },
    });
    expect(connector.chat.requests.at(-1)?.messages.at(-1)).toEqual({
      role: 'user',
      content: '冒烟测试的问题',
    });
    const session = new URL(webhook).searchParams.get('session');
    const posts = connector.dingtalk.posts.filter((post) => post.session === session);
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body.markdown.text).toContain('冒烟测试的问题');
  });

  it('sends a group @-mention with conversationType "2" and DingTalk\'s leading space', async () => {
    const webhook = connector.dingtalk.newSessionWebhook();
    const result = await run([
      '--url',
      trigger.url,
      '--secret',
      APP_SECRET,
      '--text',
      '群里的问题',
      '--group',
      '--staff-id',
      'staff-in-group-7',
      '--nick',
      '群成员',
      '--webhook',
      webhook,
    ]);
    expect(result.code).toBe(0);
    await connector.settle();
    expect(lastJob(connector)).toMatchObject({
      conversationType: 'group',
      content: { kind: 'text', text: ' 群里的问题' },
      senderStaffId: 'staff-in-group-7',
      senderNick: '群成员',
      conversationTitle: '冒烟测试群',
    });
    expect(connector.chat.requests.at(-1)?.messages.at(-1)?.content).toBe('群里的问题');
    const post = connector.dingtalk.posts.find(
      (p) => p.session === new URL(webhook).searchParams.get('session'),
    );
    expect(post?.body.at).toEqual({ atUserIds: ['staff-in-group-7'] });
  });

  it('takes the secret from DINGTALK_APP_SECRET (first of a comma list) and prints JSON with --json', async () => {
    const webhook = connector.dingtalk.newSessionWebhook();
    const env = { DINGTALK_APP_SECRET: `${APP_SECRET},another-robot-secret-0123456789abcdef` };
    const result = await run(['--url', trigger.url, '--webhook', webhook, '--json'], env);
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(printed).toMatchObject({ ok: true, status: 200, body: '{}' });
    expect(printed.latencyMs).toEqual(expect.any(Number));
    expect(printed.msgId).toMatch(/^msg[A-Za-z0-9+/]{22}==$/);
  });

  it('with a wrong secret prints 401 with the AppSecret hint, exits non-zero and never prints the secret', async () => {
    const wrong = 'wrong-secret-that-must-not-leak-0123456789';
    const before = connector.fc.invocations.length;
    const result = await run([
      '--url',
      trigger.url,
      '--secret',
      wrong,
      '--webhook',
      connector.dingtalk.newSessionWebhook(),
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain('HTTP 401');
    expect(result.stdout).toContain('AppSecret');
    expect(result.stdout + result.stderr).not.toContain(wrong);
    expect(connector.fc.invocations.length).toBe(before);
  });

  it('without --webhook uses a placeholder session, which a function allowing other origins refuses with a hint', async () => {
    // The harness's conversation allows only the DingTalk emulator's origin, not https://oapi.dingtalk.com.
    const result = await run(['--url', trigger.url, '--secret', APP_SECRET]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('HTTP 400');
    expect(result.stdout).toContain('DINGTALK_WEBHOOK_ORIGINS');
  });

  it('with a session DingTalk does not know, answers 200 and reply logs errcode 300001, as the note explains', async () => {
    const unknownSession = `${connector.dingtalk.url}/robot/sendBySession?session=smoke-${Date.now()}`;
    const result = await run(['--url', trigger.url, '--secret', APP_SECRET, '--webhook', unknownSession]);
    expect(result.code).toBe(0);
    await connector.settle();
    expect(await connector.output()).toContain('webhook_errcode_300001');
  });

  it('explains an unreachable URL and exits non-zero', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await run(['--url', `http://127.0.0.1:${port}/`, '--secret', APP_SECRET]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('could not reach');
    expect(result.stdout).toContain('ECONNREFUSED');
  });

  it('prints usage for --help (exit 0) and for a missing --url or secret (exit 2)', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: npm run callback');
    const noUrl = await run(['--secret', APP_SECRET]);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('--url');
    const noSecret = await run(['--url', trigger.url]);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain('DINGTALK_APP_SECRET');
  });
});
