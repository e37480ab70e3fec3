import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { isAdmin } from '../../src/access/check-access';
import { FieldReader } from '../../src/config/fields';
import { readPolicy } from '../../src/config/policy-config';
import { readEnv } from '../../src/config/read-env';
import { readMedia } from '../../src/config/reply-config';
import { signDingTalk } from '../../src/dingtalk/signature';
import { asyncTaskId } from '../../src/platform/async-task-id';
import { startChatApi } from '../emulators/chat-api';
import { startDingTalkApi } from '../emulators/dingtalk-api';
import { startFcInvokeApi } from '../emulators/fc-invoke-api';
import { readRequestBody, respondThroughInstance, toHttpTriggerEvent } from '../emulators/http-trigger';
import type { InstancePool } from '../fc-runtime/instance-pool';
import { createInstancePool } from '../fc-runtime/instance-pool';
import { sweepStagedCode } from '../fc-runtime/staged-code';
import { readDotEnv } from '../lib/load-dot-env';
import { createAttachments } from './attachments';
import { DEMO_HINT, DEMO_IMAGE_MODEL, DEMO_MODEL, demoAnswer } from './demo-model';
import { createEventHub } from './event-hub';
import type { ExternalCallback } from './external-callbacks';
import { CALLBACK_SESSION, readExternalCallback, relayWebhookPost } from './external-callbacks';
import { formatLogLine } from './format-log-line';
import type { ShownMessage } from './member-callback';
import { buildMemberCallback } from './member-callback';
import { MAX_TEXT_CHARS, readMemberMessage } from './member-message';
import { GROUP, MEMBERS, ROBOT } from './members';
import { createQuotableMessages } from './quotable-messages';
import { serveAttachment } from './serve-attachment';
import { serveMedia } from './serve-media';
import { serveStatic } from './serve-static';
import { showRobotMessages } from './show-robot-messages';
import { uploadAttachment } from './upload-attachment';

const ROOT = resolve(__dirname, '..', '..');
const PUBLIC = join(__dirname, 'public');
// The emulated function role: the conversation function signs its invoke calls with these, as on FC.
const ROLE = {
  accessKeyId: 'STS.PlaygroundRoleKey000000',
  accessKeySecret: 'playground-role-secret',
  securityToken: 'playground-role-security-token',
};
const API_KEY_NAMES = ['OPENAI_API_KEY', 'CHATGPT_API_KEY', 'USER_API_KEY'];

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
  /** What `npm run callback` needs to send to this playground and have the answer shown in the page. */
  callback: { url: string; secret: string; webhook: string };
  close(): Promise<void>;
}

/** Starts the emulated surroundings, both built functions and the page. */
export async function startPlayground(options: PlaygroundOptions = {}): Promise<Playground> {
  // Copies of the functions that killed runs left in the temp directory; this run's go when it exits.
  sweepStagedCode();
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
  const attachments = createAttachments();
  const quotes = createQuotableMessages(ROBOT);

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
    ...showRobotMessages(hub, { chatOfSession, lastMsgIdOfChat }, quotes),
  });

  // The page's server listens first: its address is one of the webhook origins the functions accept.
  let route: (req: IncomingMessage, res: ServerResponse) => Promise<void> = async (_req, res) => {
    json(res, 503, { error: '演练场正在启动' });
  };
  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      console.error('playground error', error);
      if (!res.headersSent) json(res, 500, { error: '演练场出错了（见终端）' });
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((done) => server.listen(options.port ?? 8080, host, done));
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  const origin = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
  dingtalk.newSessionWebhook(CALLBACK_SESSION);
  const callbackWebhook = `${origin}/robot/sendBySession?session=${CALLBACK_SESSION}`;

  const onLog = (line: Record<string, unknown>) => {
    print(formatLogLine(line));
    const { msgId, fn, level, msg, time: _time, requestId: _requestId, ...fields } = line;
    if (typeof msgId === 'string') hub.emit({ type: 'trace', msgId, fn, level, msg, fields });
  };
  const surroundings = {
    DINGTALK_WEBHOOK_ORIGINS: `${dingtalk.url},${origin}`,
    DINGTALK_API_BASE: dingtalk.url,
    DINGTALK_OAPI_BASE: dingtalk.url,
    DINGTALK_APP_KEY: ROBOT.appKey,
    DINGTALK_APP_SECRET: ROBOT.appSecret,
    // Unset, as in a default deployment: answers stream into DingTalk's built-in AI card unless turned off.
    ...(options.cards === false ? { DINGTALK_CARD_TEMPLATE_ID: 'off' } : {}),
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
        error: result?.error ? 'reply 函数抛出了异常（见日志）' : undefined,
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

  const replyEnv: Record<string, string> = {
    LOG_LEVEL: 'debug',
    // 张三 is the playground's admin (#统计, #查对话), unless .env names others.
    ADMIN_USERS: MEMBERS.filter((member) => member.isAdmin)
      .map((member) => member.staffId)
      .join(','),
    ...dotEnv,
    ...modelEnv,
    ...surroundings,
    HISTORY_DIR: dataDir,
    OSS_MOUNT_POINT: '',
  };
  // Read as the reply function reads them, so the page offers exactly what the robot will answer.
  const policy = readPolicy(new FieldReader(replyEnv), []);
  const media = readMedia(new FieldReader(replyEnv));
  // Twice the robot's larger limit: uploads over its limit still go through, so its "too big" notice shows.
  const maxUploadBytes = 2 * Math.max(media.maxImageBytes, media.maxFileBytes);
  const features = {
    images: readEnv(replyEnv, ['IMAGE_MODEL']) !== undefined,
    maxRequestsPerDay: policy.maxRequestsPerDay,
    maxTextChars: MAX_TEXT_CHARS,
    media: { maxImageBytes: media.maxImageBytes, maxFileBytes: media.maxFileBytes, maxUploadBytes },
  };
  replies = createInstancePool({
    bundle: join(ROOT, 'dist', 'reply', 'index.js'),
    env: replyEnv,
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

  function showMessage(message: Omit<ExternalCallback, 'answersHere'> & Partial<ShownMessage>): void {
    msgIdOfTask.set(asyncTaskId(message.msgId), message.msgId);
    lastMsgIdOfChat.set(message.chatKey, message.msgId);
    hub.emit({ type: 'user-message', ...message });
  }

  async function sendAsMember(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let input: unknown;
    try {
      input = JSON.parse((await readRequestBody(req)).toString('utf8'));
    } catch {
      return json(res, 400, { error: '发送失败：请求不是 JSON' });
    }
    const message = readMemberMessage(input, MEMBERS);
    if ('error' in message) return json(res, 400, { error: message.error });
    const { member, chat } = message;
    const chatKey = chat === 'group' ? 'group' : `dm:${member.staffId}`;
    const now = Date.now();
    const built = buildMemberCallback(message, {
      attachments,
      quotes,
      receive: (bytes) => dingtalk.receiveFile(bytes, { robotCode: ROBOT.appKey }),
      sessionWebhook: sessionFor(chatKey),
      now,
    });
    if ('error' in built) return json(res, 400, { error: built.error });
    const { callback: body, shown, kept } = built;
    const msgId = kept.msgId;
    quotes.remember(kept);
    showMessage({ msgId, chatKey, sender: { staffId: member.staffId, nick: member.nick }, ...shown });
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

  /** A callback from outside the page (`npm run callback`): shown like a member's message, answered by the trigger. */
  async function relayCallback(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readRequestBody(req);
    const callback = req.method === 'POST' ? readExternalCallback(body) : undefined;
    if (callback) {
      const { answersHere, ...message } = callback;
      if (answersHere) chatOfSession.set(CALLBACK_SESSION, message.chatKey);
      showMessage(message);
    }
    const { statusCode, durationMs } = await respondThroughInstance(conversations, req, res, body);
    if (callback) {
      hub.emit({
        type: 'ack',
        msgId: callback.msgId,
        status: statusCode,
        ackMs: Math.round(durationMs * 10) / 10,
      });
    }
  }

  route = async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://playground').pathname;
    if (req.method === 'GET' && path === '/') return await serveStatic(PUBLIC, 'index.html', res);
    if (req.method === 'GET' && path.startsWith('/static/')) {
      return await serveStatic(PUBLIC, path.slice('/static/'.length), res);
    }
    if (req.method === 'GET' && path.startsWith('/api/media/')) {
      return serveMedia(dingtalk.mediaUploads, decodeURIComponent(path.slice('/api/media/'.length)), res);
    }
    if (req.method === 'GET' && path.startsWith('/api/attachments/')) {
      return serveAttachment(attachments, decodeURIComponent(path.slice('/api/attachments/'.length)), res);
    }
    if (req.method === 'POST' && path === '/api/uploads') {
      return await uploadAttachment(req, res, attachments, maxUploadBytes);
    }
    if (req.method === 'GET' && path === '/api/state') {
      return json(res, 200, {
        robot: { name: ROBOT.name, staffId: 'robot' },
        model: { ...model, hint: model.demo ? DEMO_HINT : `已接入 ${model.name}（${model.baseUrlHost}）` },
        members: MEMBERS.map(({ staffId, nick, color }) => ({
          staffId,
          nick,
          color,
          isAdmin: isAdmin(policy, staffId),
        })),
        group: GROUP,
        features,
        samples: attachments.samples,
        events: hub.events,
      });
    }
    if (req.method === 'GET' && path === '/api/events') return hub.subscribe(res);
    if (req.method === 'POST' && path === '/api/messages') return await sendAsMember(req, res);
    if (path === '/conversation') return await relayCallback(req, res);
    if (path === '/robot/sendBySession') {
      return await relayWebhookPost(dingtalk.url, req, await readRequestBody(req), res);
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
  };

  return {
    url,
    model,
    callback: { url: `${origin}/conversation`, secret: ROBOT.appSecret, webhook: callbackWebhook },
    async close() {
      hub.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await Promise.all([conversations.stop(), replies?.stop()]);
      await Promise.all([dingtalk.close(), fc.close(), demo?.close()]);
    },
  };
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
