import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatApi, ChatApiOptions } from '../../scripts/emulators/chat-api';
import { startChatApi } from '../../scripts/emulators/chat-api';
import type { DingTalkApi } from '../../scripts/emulators/dingtalk-api';
import { startDingTalkApi } from '../../scripts/emulators/dingtalk-api';
import type { FcInvokeApi, RecordedInvocation } from '../../scripts/emulators/fc-invoke-api';
import { startFcInvokeApi } from '../../scripts/emulators/fc-invoke-api';
import type { FcInstance, InvocationResult } from '../../scripts/fc-runtime/fc-instance';
import { startFcInstance } from '../../scripts/fc-runtime/fc-instance';
import type { SignOptions } from './callbacks';
import { signedHttpEvent } from './callbacks';

const ROOT = join(__dirname, '..', '..');

export const APP_SECRET = 'integration-app-secret-0123456789abcdef';
export const APP_KEY = 'dinge228f219e9cb0eb5'; // the fixtures' robotCode
export const API_KEY = 'sk-integration-test-key-0123456789';
export const ROLE = {
  accessKeyId: 'STS.NTestRoleAccessKeyId000',
  accessKeySecret: 'role-access-key-secret-0123456789',
  securityToken: 'role-security-token-abcdefghijklmnopqrstuvwxyz',
};
/** Every secret the connector is given: none may ever appear in its output. */
export const SECRETS = [APP_SECRET, API_KEY, ROLE.accessKeySecret, ROLE.securityToken];

export interface ConnectorOptions {
  /** Extra or overriding variables for each function. */
  replyEnv?:
    | Record<string, string>
    | ((outside: { chat: ChatApi; dingtalk: DingTalkApi }) => Record<string, string>);
  /** Options of the chat API stand-in (Azure deployments, image models, …). */
  chatOptions?: Omit<ChatApiOptions, 'apiKey'>;
  conversationEnv?: Record<string, string>;
  /** Emulated reply instances; invocations are spread over them round-robin, as FC may run each in another one. */
  replyInstances?: number;
  /** Whether the DingTalk app key is configured (OpenAPI fallback). */
  withApp?: boolean;
  /**
   * Stream answers into AI cards, as a deployment with an app key does by default (the built-in template unless
   * replyEnv names one). Off unless asked (DINGTALK_CARD_TEMPLATE_ID=off), so that tests about markdown posts keep
   * their meaning.
   */
  cards?: boolean;
  /** Configure both functions only with the Python connector's variable names. */
  legacyNames?: boolean;
}

/** The whole connector: both built bundles in their own processes, with every outside service on loopback. */
export interface Connector {
  chat: ChatApi;
  dingtalk: DingTalkApi;
  fc: FcInvokeApi;
  conversation: FcInstance;
  replies: FcInstance[];
  historyDir: string;
  replyResults: InvocationResult[];
  /** Posts a signed callback to the conversation function, as DingTalk would through the HTTP trigger. */
  send(body: unknown, options?: Partial<SignOptions>): Promise<{ statusCode: number; body: string }>;
  /** Runs the reply function again for an invocation FC already delivered (FC's at-least-once delivery). */
  redeliver(invocation: RecordedInvocation): Promise<InvocationResult>;
  /** Waits until every queued reply has run. */
  settle(): Promise<void>;
  /** Everything both functions wrote to stdout and stderr. */
  output(): Promise<string>;
  stop(): Promise<void>;
}

/** Starts the stand-ins and both functions. */
export async function startConnector(options: ConnectorOptions = {}): Promise<Connector> {
  const historyDir = await mkdtemp(join(tmpdir(), 'connector-history-'));
  const chat = await startChatApi({ apiKey: API_KEY, ...options.chatOptions });
  const apps = options.withApp === false ? [] : [{ appKey: APP_KEY, appSecret: APP_SECRET }];
  const dingtalk = await startDingTalkApi({ apps });
  const replies: FcInstance[] = [];
  const replyResults: InvocationResult[] = [];
  let next = 0;
  const runReply = async (body: Buffer): Promise<InvocationResult> => {
    const instance = replies[next++ % replies.length];
    if (!instance) throw new Error('no reply instance');
    const result = await instance.invoke(body, { function: { name: 'dingtalk-reply' }, credentials: ROLE });
    replyResults.push(result);
    return result;
  };
  const fc = await startFcInvokeApi({
    accountId: '1234567890123456',
    credentials: ROLE,
    onInvocation: async (invocation) => {
      await runReply(invocation.body);
    },
  });

  const app = options.withApp === false ? {} : { DINGTALK_APP_KEY: APP_KEY };
  const shared = { DINGTALK_WEBHOOK_ORIGINS: dingtalk.url, DINGTALK_APP_SECRET: APP_SECRET };
  const replyEnv = {
    ...shared,
    ...app,
    DINGTALK_API_BASE: dingtalk.url,
    DINGTALK_OAPI_BASE: dingtalk.url,
    OPENAI_MODEL: 'test-model',
    ...(options.cards ? {} : { DINGTALK_CARD_TEMPLATE_ID: 'off' }),
    ...(options.legacyNames
      ? {
          ENDPOINT: chat.baseUrl.replace(/\/v1$/, ''),
          USER_API_KEY: API_KEY,
          OSS_MOUNT_POINT: historyDir,
          TIMEOUT: '5',
          VERBOSE: '10',
        }
      : {
          OPENAI_API_KEY: API_KEY,
          OPENAI_BASE_URL: chat.baseUrl,
          HISTORY_DIR: historyDir,
          LLM_TIMEOUT: '5',
          LOG_LEVEL: 'debug',
        }),
    ...(typeof options.replyEnv === 'function' ? options.replyEnv({ chat, dingtalk }) : options.replyEnv),
  };
  const conversationEnv = {
    ...shared,
    ...(options.legacyNames
      ? { ENDPOINT: fc.url, CHATGPT_FUNCTION: 'dingtalk-reply', VERBOSE: '20' }
      : { REPLY_ENDPOINT: fc.url, REPLY_FUNCTION_NAME: 'dingtalk-reply', LOG_LEVEL: 'debug' }),
    ...options.conversationEnv,
  };
  const count = options.replyInstances ?? 1;
  for (let i = 0; i < count; i += 1) {
    replies.push(await startFcInstance({ bundle: join(ROOT, 'dist', 'reply', 'index.js'), env: replyEnv }));
  }
  const conversation = await startFcInstance({
    bundle: join(ROOT, 'dist', 'conversation', 'index.js'),
    env: conversationEnv,
    defaults: { function: { name: 'dingtalk-conversation' }, credentials: ROLE },
  });

  return {
    chat,
    dingtalk,
    fc,
    conversation,
    replies,
    historyDir,
    replyResults,
    async send(body, signOptions = {}) {
      const result = await conversation.invoke(signedHttpEvent(body, { secret: APP_SECRET, ...signOptions }));
      if (result.error) throw new Error(`conversation handler threw: ${result.error}`);
      return result.result as { statusCode: number; body: string };
    },
    redeliver: (invocation) => runReply(invocation.body),
    settle: () => fc.settled(),
    async output() {
      const parts = await Promise.all([conversation, ...replies].map((instance) => instance.rawOutput()));
      return parts.join('\n');
    },
    async stop() {
      await Promise.all([conversation, ...replies].map((instance) => instance.stop()));
      await Promise.all([chat.close(), dingtalk.close(), fc.close()]);
      await rm(historyDir, { recursive: true, force: true });
    },
  };
}

/** Runs `run` against a connector started with `options`, and stops it afterwards. */
export async function withConnector(
  options: ConnectorOptions,
  run: (c: Connector) => Promise<void>,
): Promise<void> {
  const c = await startConnector(options);
  try {
    await run(c);
  } finally {
    await c.stop();
  }
}
