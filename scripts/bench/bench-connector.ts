import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChatApi } from '../emulators/chat-api';
import { startChatApi } from '../emulators/chat-api';
import type { DingTalkApi } from '../emulators/dingtalk-api';
import { startDingTalkApi } from '../emulators/dingtalk-api';
import type { FcInvokeApi } from '../emulators/fc-invoke-api';
import { startFcInvokeApi } from '../emulators/fc-invoke-api';
import type { FcInstance, InvocationResult } from '../fc-runtime/fc-instance';
import { startFcInstance } from '../fc-runtime/fc-instance';
import type { VolumePlace } from './bench-volume';
import { volumeParent } from './bench-volume';
import { BENCH_ROBOT, buildSignedCallbackEvent } from './signed-callback';

const ROOT = join(__dirname, '..', '..');

export const BENCH_APP_SECRET = 'bench-app-secret-0123456789abcdef0123456789';
export const BENCH_API_KEY = 'sk-bench-key-0123456789abcdef';
export const BENCH_ACCOUNT_ID = '1234567890123456';
/** The emulated function role the conversation function signs its invoke calls with. */
export const BENCH_ROLE = {
  accessKeyId: 'STS.NBenchRoleAccessKeyId0000',
  accessKeySecret: 'bench-role-access-key-secret-0123',
  securityToken: 'bench-role-security-token-abcdefghijklmnop',
};
const REPLY_FUNCTION = 'dingtalk-reply';

/** The path of a built bundle: dist/<fn>/index.js. */
export function bundlePath(fn: 'conversation' | 'reply'): string {
  return join(ROOT, 'dist', fn, 'index.js');
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across the stand-ins of this process. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The conversation function's environment as s.yaml sets it, pointed at the loopback stand-ins. */
export function buildConversationEnv(fcUrl: string, webhookOrigin: string): Record<string, string> {
  return {
    DINGTALK_APP_SECRET: BENCH_APP_SECRET,
    REPLY_FUNCTION_NAME: REPLY_FUNCTION,
    REPLY_ENDPOINT: fcUrl,
    DINGTALK_WEBHOOK_ORIGINS: webhookOrigin,
    LOG_LEVEL: 'info',
  };
}

/** The reply function's environment as s.yaml sets it, pointed at the loopback stand-ins. */
export function buildReplyEnv(options: {
  chatBaseUrl: string;
  dingtalkUrl: string;
  historyDir: string;
  cards?: boolean;
  /** Every history-volume operation waits this long first (HISTORY_VOLUME_LATENCY_MS, a diagnostic setting). */
  storageLatencyMs?: number;
}): Record<string, string> {
  return {
    OPENAI_API_KEY: BENCH_API_KEY,
    OPENAI_BASE_URL: options.chatBaseUrl,
    OPENAI_MODEL: 'bench-model',
    HISTORY_DIR: options.historyDir,
    DINGTALK_WEBHOOK_ORIGINS: options.dingtalkUrl,
    DINGTALK_APP_KEY: BENCH_ROBOT.code,
    DINGTALK_APP_SECRET: BENCH_APP_SECRET,
    DINGTALK_API_BASE: options.dingtalkUrl,
    LOG_LEVEL: 'info',
    // With an app key, answers stream into DingTalk's built-in AI card unless turned off.
    ...(options.cards ? {} : { DINGTALK_CARD_TEMPLATE_ID: 'off' }),
    ...(options.storageLatencyMs ? { HISTORY_VOLUME_LATENCY_MS: String(options.storageLatencyMs) } : {}),
  };
}

/** One callback sent to the conversation function. */
export interface SentMessage {
  msgId: string;
  /** The session id of its sessionWebhook: webhook posts for this message carry it. */
  session: string;
  /** {@link preciseNow} just before the conversation function was invoked. */
  t0: number;
  /** The conversation handler's own duration (instance-host's measurement). */
  conversationMs: number;
  /** The conversation process's peak resident memory when it answered (bytes). */
  conversationMaxRssBytes: number;
}

/** Both built functions in their own processes, as FC runs them, with every outside service on loopback. */
export interface BenchConnector {
  chat: ChatApi;
  dingtalk: DingTalkApi;
  fc: FcInvokeApi;
  conversation: FcInstance;
  reply: FcInstance;
  /** Reply invocation results by the msgId of their job. */
  replyResults: Map<string, InvocationResult>;
  /** Sends a freshly signed callback (its own session webhook) and checks the 200 DingTalk needs. */
  send(text: string, staffId: string): Promise<SentMessage>;
  /** Resolves once every reply queued so far has run. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/** Processed-message tickets go to `processed/<2 hex>/` (processed-store.ts): 256 shard folders. */
const TICKET_SHARDS = 256;

/**
 * Starts the stand-ins and one instance of each function. Every reply invocation runs in the one reply
 * process as soon as FC's stand-in accepts it, concurrently when several are queued. The history volume is made
 * in memory unless `volumePlace` says disk (bench-volume.ts), and starts empty, as a new deployment's, or with
 * `volumeInUse` as one's after its first ~1,500 messages: every ticket shard folder made (the first claim into a
 * shard makes it, one mkdir).
 */
export async function startBenchConnector(
  options: {
    cards?: boolean;
    storageLatencyMs?: number;
    volumeInUse?: boolean;
    volumePlace?: VolumePlace;
  } = {},
): Promise<BenchConnector> {
  const historyDir = await mkdtemp(join(volumeParent(options.volumePlace ?? 'memory'), 'bench-history-'));
  if (options.volumeInUse) {
    for (let shard = 0; shard < TICKET_SHARDS; shard += 1) {
      await mkdir(join(historyDir, 'processed', shard.toString(16).padStart(2, '0')), { recursive: true });
    }
  }
  const chat = await startChatApi({ apiKey: BENCH_API_KEY });
  const dingtalk = await startDingTalkApi({
    apps: [{ appKey: BENCH_ROBOT.code, appSecret: BENCH_APP_SECRET }],
    clock: preciseNow,
  });
  const replyResults = new Map<string, InvocationResult>();
  let reply: FcInstance | undefined;
  const fc = await startFcInvokeApi({
    accountId: BENCH_ACCOUNT_ID,
    credentials: BENCH_ROLE,
    onInvocation: async (invocation) => {
      if (!reply) throw new Error('no reply instance');
      const { msgId } = JSON.parse(invocation.body.toString('utf8')) as { msgId: string };
      const result = await reply.invoke(invocation.body, {
        function: { name: REPLY_FUNCTION },
        credentials: BENCH_ROLE,
      });
      replyResults.set(msgId, result);
    },
  });
  reply = await startFcInstance({
    bundle: bundlePath('reply'),
    env: buildReplyEnv({
      chatBaseUrl: chat.baseUrl,
      dingtalkUrl: dingtalk.url,
      historyDir,
      ...(options.cards ? { cards: true } : {}),
      ...(options.storageLatencyMs ? { storageLatencyMs: options.storageLatencyMs } : {}),
    }),
  });
  const conversation = await startFcInstance({
    bundle: bundlePath('conversation'),
    env: buildConversationEnv(fc.url, dingtalk.url),
    defaults: {
      function: { name: 'dingtalk-conversation' },
      credentials: BENCH_ROLE,
      accountId: BENCH_ACCOUNT_ID,
    },
  });
  const replyInstance = reply;

  return {
    chat,
    dingtalk,
    fc,
    conversation,
    reply: replyInstance,
    replyResults,
    async send(text, staffId) {
      const sessionWebhook = dingtalk.newSessionWebhook();
      const session = new URL(sessionWebhook).searchParams.get('session') ?? '';
      const { event, msgId } = buildSignedCallbackEvent({
        text,
        sessionWebhook,
        staffId,
        secret: BENCH_APP_SECRET,
      });
      const t0 = preciseNow();
      const result = await conversation.invoke(event);
      const statusCode = (result.result as { statusCode?: number } | undefined)?.statusCode;
      if (statusCode !== 200) throw new Error(`conversation answered ${statusCode ?? result.error}, not 200`);
      return {
        msgId,
        session,
        t0,
        conversationMs: result.durationMs,
        conversationMaxRssBytes: result.maxRssBytes ?? 0,
      };
    },
    settle: () => fc.settled(),
    async stop() {
      await Promise.all([conversation.stop(), replyInstance.stop()]);
      await Promise.all([chat.close(), dingtalk.close(), fc.close()]);
      await rm(historyDir, { recursive: true, force: true });
    },
  };
}

/** Throws unless every reply of `sent` ran and answered: a failed path would be measured as a fast one. */
export function expectAnswered(connector: BenchConnector, sent: readonly SentMessage[]): void {
  for (const message of sent) {
    const result = connector.replyResults.get(message.msgId);
    const outcome = (result?.result as { outcome?: string } | undefined)?.outcome;
    if (outcome !== 'answered') {
      throw new Error(`reply for a benchmark message ended ${outcome ?? result?.error ?? 'never ran'}`);
    }
  }
}
