import { describe, expect, it } from 'vitest';
import { signDingTalk } from '../../../src/dingtalk/signature';
import type { ConversationDeps } from '../../../src/handlers/handle-conversation';
import { handleConversation } from '../../../src/handlers/handle-conversation';
import type { CoreHttpRequest } from '../../../src/handlers/http-types';
import { freshMessage, loadCallback } from '../../helpers/callbacks';
import { captureLogger } from '../../helpers/capture-logger';

const SECRET = 'test-app-secret';
const NOW = 1_774_080_994_334;
const WEBHOOK = 'https://oapi.dingtalk.com/robot/sendBySession?session=70f58904dba41ecccc3fc1626e53a130';

function setup(dispatchOutcome: 'queued' | 'duplicate' | Error = 'queued') {
  const capture = captureLogger();
  const dispatched: Array<{ job: Record<string, unknown>; msgId: string }> = [];
  const deps: ConversationDeps = {
    config: { appSecrets: [SECRET], webhookOrigins: ['https://oapi.dingtalk.com'] },
    clock: () => NOW,
    log: capture.log,
    dispatch: async (job, msgId) => {
      if (dispatchOutcome instanceof Error) throw dispatchOutcome;
      dispatched.push({ job: JSON.parse(job.toString('utf8')), msgId });
      return dispatchOutcome;
    },
  };
  return { deps, dispatched, capture };
}

function request(body: unknown, headers: Record<string, string> = {}): CoreHttpRequest {
  const timestamp = String(NOW);
  return {
    method: 'POST',
    headers: { timestamp, sign: signDingTalk(timestamp, SECRET), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

describe('handleConversation', () => {
  it('dispatches exactly one reply job for a valid signed callback and answers 200 {}', async () => {
    const { deps, dispatched } = setup();
    const response = await handleConversation(request(loadCallback('dm-text')), deps);
    expect(response).toEqual({ status: 200, body: '{}' });
    expect(dispatched).toHaveLength(1);
    expect(dispatched[0]?.msgId).toBe('msgnB1+DzfESSG9P2Vk6t9/FA==');
    expect(dispatched[0]?.job).toMatchObject({
      v: 2,
      content: { kind: 'text', text: 'hello' },
      conversationType: 'single',
    });
  });

  it('answers 200 when FC says the message is already queued', async () => {
    const { deps } = setup('duplicate');
    expect((await handleConversation(request(loadCallback('dm-text')), deps)).status).toBe(200);
  });

  it('answers 503 when the reply function cannot be invoked, and logs no secret', async () => {
    const { deps, capture } = setup(new Error(`boom ${WEBHOOK}`));
    expect((await handleConversation(request(loadCallback('dm-text')), deps)).status).toBe(503);
    expect(capture.raw()).not.toContain('session=');
  });

  it.each(['dm-picture', 'dm-rich-text', 'dm-file'] as const)('dispatches %s like text', async (name) => {
    const { deps, dispatched } = setup();
    expect((await handleConversation(request(loadCallback(name)), deps)).status).toBe(200);
    expect(dispatched).toHaveLength(1);
  });

  it.each([
    ['missing headers', { timestamp: '', sign: '' }],
    ['a wrong sign', { sign: signDingTalk(String(NOW), 'other') }],
    [
      'an old timestamp',
      { timestamp: String(NOW - 3_600_001), sign: signDingTalk(String(NOW - 3_600_001), SECRET) },
    ],
    [
      'a future timestamp',
      { timestamp: String(NOW + 3_600_001), sign: signDingTalk(String(NOW + 3_600_001), SECRET) },
    ],
  ])('rejects %s with 401 and dispatches nothing', async (_name, headers) => {
    const { deps, dispatched, capture } = setup();
    const response = await handleConversation(request(loadCallback('dm-text'), headers), deps);
    expect(response.status).toBe(401);
    expect(dispatched).toHaveLength(0);
    expect(capture.raw()).not.toContain('hello');
  });

  it.each([
    ['a non-JSON body', 'not json'],
    ['an empty body', ''],
    ['a JSON array', '[]'],
    ['a body without msgId', { ...loadCallback('dm-text'), msgId: undefined }],
    ['a foreign webhook origin', loadCallback('dm-text', { sessionWebhook: 'https://evil.example/hook' })],
    ['an http webhook', loadCallback('dm-text', { sessionWebhook: WEBHOOK.replace('https', 'http') })],
  ])('rejects %s with 400 and dispatches nothing', async (_name, body) => {
    const { deps, dispatched } = setup();
    expect((await handleConversation(request(body), deps)).status).toBe(400);
    expect(dispatched).toHaveLength(0);
  });

  it('rejects methods other than POST', async () => {
    const { deps, dispatched } = setup();
    expect(
      (await handleConversation({ ...request(loadCallback('dm-text')), method: 'GET' }, deps)).status,
    ).toBe(405);
    expect(dispatched).toHaveLength(0);
  });

  it('logs the text only at debug, and never the webhook or sign', async () => {
    const { deps, capture } = setup();
    const body = freshMessage({ webhook: WEBHOOK, text: '机密问题', now: NOW });
    const req = request(body);
    await handleConversation(req, deps);
    const raw = capture.raw();
    expect(raw).not.toContain('70f58904dba41ecccc3fc1626e53a130');
    expect(raw).not.toContain(req.headers.sign);
    const textLines = capture.lines().filter((line) => JSON.stringify(line).includes('机密问题'));
    expect(textLines.length).toBeGreaterThan(0);
    expect(textLines.every((line) => line.level === 'debug')).toBe(true);
  });
});

describe('handleConversation at the edges a replayed signature would probe', () => {
  it.each([
    [-86_400_000, 200],
    [86_400_000, 200],
    [-86_400_001, 400],
    [86_400_001, 400],
  ])('createAt %i ms from the clock → %i', async (offset, status) => {
    const { deps, dispatched } = setup();
    const response = await handleConversation(
      request(loadCallback('dm-text', { createAt: NOW + offset })),
      deps,
    );
    expect(response.status).toBe(status);
    expect(dispatched).toHaveLength(status === 200 ? 1 : 0);
    if (status === 400) expect(JSON.parse(response.body)).toEqual({ error: 'createAt out of range' });
  });

  it('takes a text of exactly 20,000 characters and refuses 20,001', async () => {
    const { deps, dispatched } = setup();
    const ok = loadCallback('dm-text', { createAt: NOW, text: { content: '钉'.repeat(20_000) } });
    const tooLong = loadCallback('dm-text', { createAt: NOW, text: { content: '钉'.repeat(20_001) } });
    expect((await handleConversation(request(ok), deps)).status).toBe(200);
    expect((await handleConversation(request(tooLong), deps)).status).toBe(400);
    expect(dispatched).toHaveLength(1);
  });

  it('refuses a callback whose reply job would pass FC’s 128 KB async limit', async () => {
    const { deps, dispatched } = setup();
    // 20,000 control characters are escaped to six bytes each in the job's JSON: about 120 KB of text alone.
    const body = loadCallback('dm-text', {
      createAt: NOW,
      text: { content: '\u0001'.repeat(20_000) },
      conversationTitle: 'x'.repeat(1024),
      senderNick: '\u0002'.repeat(1024),
      senderId: '\u0003'.repeat(1024),
      conversationId: '\u0004'.repeat(1024),
    });
    const response = await handleConversation(request(body), deps);
    expect(response).toEqual({ status: 400, body: JSON.stringify({ error: 'message too large' }) });
    expect(dispatched).toHaveLength(0);
  });

  it('never verifies a signature made with an empty secret, whatever empty entries the list had', async () => {
    const { deps, dispatched } = setup();
    deps.config = { ...deps.config, appSecrets: [SECRET] };
    const timestamp = String(NOW);
    const forged = request(loadCallback('dm-text', { createAt: NOW }), {
      timestamp,
      sign: signDingTalk(timestamp, ''),
    });
    expect((await handleConversation(forged, deps)).status).toBe(401);
    expect(dispatched).toHaveLength(0);
  });

  it('takes prototype keys in the body as plain data and pollutes nothing', async () => {
    const { deps, dispatched } = setup();
    const raw = JSON.stringify(loadCallback('dm-text', { createAt: NOW })).replace(
      /^\{/,
      '{"__proto__":{"polluted":true,"sessionWebhook":"https://evil.example/x"},"constructor":{"prototype":{"polluted":true}},',
    );
    expect((await handleConversation(request(raw), deps)).status).toBe(200);
    expect(dispatched[0]?.job.sessionWebhook).toBe(WEBHOOK);
    expect(Object.keys(dispatched[0]?.job ?? {})).not.toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
