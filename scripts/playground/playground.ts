import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { signDingTalk } from '../../src/dingtalk/signature';
import { asyncTaskId } from '../../src/platform/async-task-id';
import { startChatApi } from '../emulators/chat-api';
import { startDingTalkApi } from '../emulators/dingtalk-api';
import { startFcInvokeApi } from '../emulators/fc-invoke-api';
import { readRequestBody, respondThroughInstance, toHttpTriggerEvent } from '../emulators/http-trigger';
import type { InstancePool } from '../fc-runtime/instance-pool';
import { createInstancePool } from '../fc-runtime/instance-pool';
import { buildCallback } from '../lib/build-callback';
import { readDotEnv } from '../lib/load-dot-env';
import { DEMO_HINT, DEMO_IMAGE_MODEL, DEMO_MODEL, demoAnswer } from './demo-model';
import { createEventHub } from './event-hub';
import { formatLogLine } from './format-log-line';
import { GROUP, MEMBERS, ROBOT } from './members';
import { serveStatic } from './serve-static';

const ROOT = resolve(__dirname, '..', '..');
const PUBLIC = join(__dirname, 'public');
// The emulated function role: the conversation function signs its invoke calls with these, as on FC.
const ROLE = {
  accessKeyId: 'STS.PlaygroundRoleKey000000',
  accessKeySecret: 'playground-role-secret',
  securityToken: 'playground-role-security-token',
};
const API_KEY_NAMES = ['OPENAI_API_KEY', 'CHATGPT_API_KEY', 'USER_API_KEY'];
const PLAYGROUND_CARD_TEMPLATE = 'playground-ai-card.schema';

export interface PlaygroundOptions {
  /** 0 = any free port. */
  port?: number;
  host?: string;
  /** Where history lives (default ./.data): the reply function's HISTORY_DIR. */
  dataDir?: string;
  /** The .env to read (default ./.env if present); null ignores any .env, so the offline demo model answers. */
  envFile?: string | null;
  /** Print both functions' log lines (default true). */
  printLogs?: boolean;
  /** Stream answers into AI cards (default true); false posts plain markdown answers, as without a template. */
  cards?: boolean;
}

export interface Playground {
  url: string;
  model: { demo: boolean; name: string; baseUrlHost: string };
  close(): Promise<void>;
}

/** Starts the emulated surroundings, both built functions and the page. */
export async function startPlayground(options: PlaygroundOptions = {}): Promise<Playground> {
  const dataDir = resolve(options.dataDir ?? join(ROOT, '.data'));
  await mkdir(dataDir, { recursive: true });
  const envFile = options.envFile === undefined ? join(ROOT, '.env') : options.envFile;
  const dotEnv = (envFile === null ? undefined : readDotEnv(envFile)) ?? {};
  const hub = createEventHub();
  const print = options.printLogs === false ? () => {} : (line: string) => console.log(line);
  const sessions = new Map<string, string>(); // chatKey → session webhook
  const chatOfSession = new Map<string, string>(); // session id → chatKey
  const msgIdOfTask = new Map<string, string>();
  const lastMsgIdOfChat = new Map<string, string>();

  const useDemo = !API_KEY_NAMES.some((name) => dotEnv[name]?.trim());
  const demo = useDemo
    ? await startChatApi({
        apiKey: 'offline-demo-key',
        answer: demoAnswer,
        chunkDelayMs: 15,
        // #图片 works offline too: a tiny PNG, uploaded to the emulated DingTalk media like a real one.
        imageModels: [DEMO_IMAGE_MODEL],
        defaultImage: 'b64',
      })
    : undefined;
  const modelEnv: Record<string, string> = demo
    ? {
        OPENAI_API_KEY: 'offline-demo-key',
        OPENAI_BASE_URL: demo.baseUrl,
        OPENAI_MODEL: DEMO_MODEL,
        IMAGE_MODEL: DEMO_IMAGE_MODEL,
      }
    : {};

  const dingtalk = await startDingTalkApi({
    apps: [{ appKey: ROBOT.appKey, appSecret: ROBOT.appSecret }],
    onCard: (card) => {
      const chatKey = chatOfCardSpace(card.openSpaceId);
      if (!chatKey) return;
      hub.emit({
        type: 'card',
        chatKey,
        outTrackId: card.outTrackId,
        content: card.content,
        flowStatus: card.flowStatus,
        finalized: card.finalized,
        error: card.error,
        updates: card.updates,
        atUserIds: card.atUserIds,
        msgId: lastMsgIdOfChat.get(chatKey),
      });
    },
    onMessage: (message) => {
      const body = message.channel === 'webhook' ? message.post.body : message.message.msgParam;
      const chatKey =
        message.channel === 'webhook'
          ? chatOfSession.get(message.post.session)
          : message.message.kind === 'group'
            ? 'group'
            : `dm:${message.message.body.userIds?.[0]}`;
      if (!chatKey) return;
      const markdown = message.channel === 'webhook' ? body.markdown : body;
      hub.emit({
        type: 'robot-message',
        chatKey,
        channel: message.channel,
        msgtype: message.channel === 'webhook' ? body.msgtype : 'markdown',
        title: markdown?.title ?? '',
        text: markdown?.text ?? body.text?.content ?? '',
        atUserIds: body.at?.atUserIds ?? [],
        msgId: lastMsgIdOfChat.get(chatKey),
      });
    },
  });

  const onLog = (line: Record<string, unknown>) => {
    print(formatLogLine(line));
    const { msgId, fn, level, msg, time: _time, requestId: _requestId, ...fields } = line;
    if (typeof msgId === 'string') hub.emit({ type: 'trace', msgId, fn, level, msg, fields });
  };
  const surroundings = {
    DINGTALK_WEBHOOK_ORIGINS: dingtalk.url,
    DINGTALK_API_BASE: dingtalk.url,
    DINGTALK_OAPI_BASE: dingtalk.url,
    DINGTALK_APP_KEY: ROBOT.appKey,
    DINGTALK_APP_SECRET: ROBOT.appSecret,
    // The emulated DingTalk accepts any *.schema template: answers stream into AI cards unless turned off.
    DINGTALK_CARD_TEMPLATE_ID: options.cards === false ? 'off' : PLAYGROUND_CARD_TEMPLATE,
  };
  let replies: InstancePool | undefined;
  const fc = await startFcInvokeApi({
    accountId: '1234567890123456',
    credentials: ROLE,
    onInvocation: async (invocation) => {
      const msgId = jobMsgId(invocation.body);
      if (msgId) {
        hub.emit({
          type: 'invoke',
          msgId,
          api: invocation.api,
          taskId: invocation.taskId,
          functionName: invocation.functionName,
        });
      }
      const result = await replies?.invoke(invocation.body, { function: { name: invocation.functionName } });
      hub.emit({
        type: 'reply-done',
        msgId,
        outcome: (result?.result as { outcome?: string } | undefined)?.outcome ?? 'failed',
        durationMs: Math.round(result?.durationMs ?? 0),
        coldStart: result?.coldStart,
        error: result?.error ? 'the reply function threw (see the log)' : undefined,
      });
    },
    onRejection: (rejection) => {
      if (rejection.status === 409 && rejection.taskId) {
        hub.emit({
          type: 'invoke-duplicate',
          msgId: msgIdOfTask.get(rejection.taskId),
          taskId: rejection.taskId,
        });
      }
    },
  });

  replies = createInstancePool({
    bundle: join(ROOT, 'dist', 'reply', 'index.js'),
    env: {
      LOG_LEVEL: 'debug',
      // The first member is the playground's admin (#统计, #查对话), unless .env names others.
      ADMIN_USERS: MEMBERS.filter((member) => member.isAdmin)
        .map((member) => member.staffId)
        .join(','),
      ...dotEnv,
      ...modelEnv,
      ...surroundings,
      HISTORY_DIR: dataDir,
      OSS_MOUNT_POINT: '',
    },
    defaults: { function: { name: 'dingtalk-reply' }, credentials: ROLE },
    onLog,
  });
  const conversations = createInstancePool({
    bundle: join(ROOT, 'dist', 'conversation', 'index.js'),
    env: {
      LOG_LEVEL: 'debug',
      ...dotEnv,
      ...surroundings,
      REPLY_ENDPOINT: fc.url,
      REPLY_FUNCTION_NAME: 'dingtalk-reply',
      ENDPOINT: '',
    },
    defaults: { function: { name: 'dingtalk-conversation' }, credentials: ROLE },
    onLog,
  });

  const model = demo
    ? { demo: true, name: DEMO_MODEL, baseUrlHost: new URL(demo.baseUrl).host }
    : {
        demo: false,
        name: dotEnv.OPENAI_MODEL || 'gpt-4o-mini',
        baseUrlHost: hostOf(dotEnv.OPENAI_BASE_URL || dotEnv.ENDPOINT || 'https://api.openai.com/v1'),
      };
  hub.emit({ type: 'model', ...model });

  function sessionFor(chatKey: string): string {
    let webhook = sessions.get(chatKey);
    if (!webhook) {
      webhook = dingtalk.newSessionWebhook();
      sessions.set(chatKey, webhook);
      chatOfSession.set(new URL(webhook).searchParams.get('session') ?? '', chatKey);
    }
    return webhook;
  }

  async function sendAsMember(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let input: { staffId?: unknown; chat?: unknown; text?: unknown };
    try {
      input = JSON.parse((await readRequestBody(req)).toString('utf8'));
    } catch {
      return json(res, 400, { error: 'body must be JSON' });
    }
    const member = MEMBERS.find((candidate) => candidate.staffId === input.staffId);
    const chat = input.chat === 'group' ? 'group' : input.chat === 'dm' ? 'dm' : undefined;
    if (!member || !chat || typeof input.text !== 'string' || input.text.length > 5000) {
      return json(res, 400, {
        error: 'staffId of a member, chat dm|group and text (≤ 5000 characters) are required',
      });
    }
    const chatKey = chat === 'group' ? 'group' : `dm:${member.staffId}`;
    const now = Date.now();
    const body = buildCallback({
      text: input.text,
      group: chat === 'group',
      sessionWebhook: sessionFor(chatKey),
      staffId: member.staffId,
      nick: member.nick,
      isAdmin: member.isAdmin,
      now,
      robot: { code: ROBOT.appKey, dingtalkId: ROBOT.dingtalkId, corpId: ROBOT.corpId },
      ...(chat === 'group' ? { conversationId: GROUP.conversationId, conversationTitle: GROUP.title } : {}),
    });
    const msgId = String(body.msgId);
    msgIdOfTask.set(asyncTaskId(msgId), msgId);
    lastMsgIdOfChat.set(chatKey, msgId);
    hub.emit({
      type: 'user-message',
      msgId,
      chatKey,
      sender: { staffId: member.staffId, nick: member.nick },
      text: input.text,
    });
    const timestamp = String(now);
    const event = toHttpTriggerEvent(
      fakeRequest({
        'content-type': 'application/json; charset=utf-8',
        timestamp,
        sign: signDingTalk(timestamp, ROBOT.appSecret),
      }),
      Buffer.from(JSON.stringify(body)),
    );
    const result = await conversations.invoke(event);
    const status = (result.result as { statusCode?: number } | undefined)?.statusCode ?? 502;
    const ackMs = Math.round(result.durationMs * 10) / 10;
    hub.emit({ type: 'ack', msgId, status, ackMs, coldStart: result.coldStart });
    json(res, 200, { msgId, chatKey, ackStatus: status, ackMs });
  }

  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://playground').pathname;
    try {
      if (req.method === 'GET' && path === '/') return await serveStatic(PUBLIC, 'index.html', res);
      if (req.method === 'GET' && path.startsWith('/static/')) {
        return await serveStatic(PUBLIC, path.slice('/static/'.length), res);
      }
      if (req.method === 'GET' && path === '/api/state') {
        return json(res, 200, {
          robot: { name: ROBOT.name, staffId: 'robot' },
          model: { ...model, hint: model.demo ? DEMO_HINT : `已接入 ${model.name}（${model.baseUrlHost}）` },
          members: MEMBERS.map(({ staffId, nick, color }) => ({ staffId, nick, color })),
          group: GROUP,
          events: hub.events,
        });
      }
      if (req.method === 'GET' && path === '/api/events') return hub.subscribe(res);
      if (req.method === 'POST' && path === '/api/messages') return await sendAsMember(req, res);
      if (path === '/conversation') {
        return void (await respondThroughInstance(conversations, req, res, await readRequestBody(req)));
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    } catch (error) {
      console.error('playground error', error);
      if (!res.headersSent) json(res, 500, { error: 'playground error' });
    }
  });
  await new Promise<void>((done) => server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    model,
    async close() {
      hub.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await Promise.all([conversations.stop(), replies?.stop()]);
      await Promise.all([dingtalk.close(), fc.close(), demo?.close()]);
    },
  };
}

/** `dtv1.card//IM_ROBOT.<staffId>` is that member's direct chat, `dtv1.card//IM_GROUP.<cid>` the group. */
function chatOfCardSpace(openSpaceId: string): string | undefined {
  const robot = /IM_ROBOT\.(.+)$/.exec(openSpaceId);
  if (robot) return `dm:${robot[1]}`;
  return /IM_GROUP\./.test(openSpaceId) ? 'group' : undefined;
}

function jobMsgId(body: Buffer): string | undefined {
  try {
    const job = JSON.parse(body.toString('utf8')) as { msgId?: unknown };
    return typeof job.msgId === 'string' ? job.msgId : undefined;
  } catch {
    return undefined;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url.includes('://') ? url : `https://${url}`).host;
  } catch {
    return url;
  }
}

function fakeRequest(headers: Record<string, string>): IncomingMessage {
  return {
    url: '/',
    method: 'POST',
    httpVersion: '1.1',
    headers: { host: 'playground.fcapp.run', 'user-agent': 'DingTalk-Playground', ...headers },
    socket: { remoteAddress: '127.0.0.1' },
  } as unknown as IncomingMessage;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}
