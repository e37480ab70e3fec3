import { NOTICES } from '../chat/notices';
import { describeError } from '../describe-error';
import type { ReplyJob } from '../dingtalk/reply-job';
import { replyJobSchema } from '../dingtalk/reply-job';
import { isAllowedWebhook } from '../dingtalk/session-webhook-rule';
import type { AnswerDelivery, Clock, DeliveryTarget, Logger, StreamingAnswer } from '../ports';
import type { DayFolderHousekeeping } from '../storage/day-folder-housekeeping';
import { historyKey } from '../storage/history-key';
import type { MessageScope } from '../storage/message-scope';
import type { VolumeMeter } from '../storage/metered-volume';
import { meterVolume } from '../storage/metered-volume';
import type { Volume } from '../storage/volume';
import type { Reply } from './ask-model';
import { classifyMessage } from './classify-message';
import type { ComposeDeps, ReplyKeys } from './compose-reply';
import { composeReply } from './compose-reply';
import { prefetchReads } from './prefetch-reads';
import type { VolumeStores } from './storage-guard';
import { guardVolumeStores, StorageUnavailable } from './storage-guard';

type StoreNames = keyof VolumeStores;

/** What the reply handler needs from its surroundings. */
export interface ReplyDeps extends Omit<ComposeDeps, 'startCard' | StoreNames> {
  config: ComposeDeps['config'] & { webhookOrigins: string[] };
  clock: Clock;
  /** The history volume (HISTORY_DIR). */
  volume: Volume;
  /** The stores on it, opened for one message (they may reuse within it what they read). */
  openStores(volume: Volume, scope: MessageScope, log: Logger): VolumeStores;
  /** Removal of expired day folders; keep one per instance. */
  housekeeping?: DayFolderHousekeeping;
  delivery: AnswerDelivery;
  /** AI cards, when configured: answers stream into a card instead of one markdown post. */
  cards?: { start(target: DeliveryTarget, answerId: string, log: Logger): StreamingAnswer | undefined };
}

export type ReplyOutcome = 'answered' | 'notice' | 'duplicate' | 'invalid' | 'undelivered' | 'failed';

/** Answers one queued DingTalk message exactly once. Resolves on every path: a throw would make FC retry it. */
export async function handleReply(event: Buffer, deps: ReplyDeps): Promise<ReplyOutcome> {
  const job = parseJob(event, deps);
  if (!job) return 'invalid';
  const log = deps.log.child({ msgId: job.msgId });
  const meter = meterVolume(deps.volume);
  try {
    return await answerOnce(job, meter, { ...deps, log });
  } catch (error) {
    log.error({ error: describeError(error) }, 'reply failed unexpectedly');
    return 'failed';
  } finally {
    // One line per message: what it cost on the volume (on FC, each operation is a request to OSS).
    log.info({ storage: meter.counts() }, 'storage operations');
  }
}

function parseJob(event: Buffer, deps: ReplyDeps): ReplyJob | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(event.toString('utf8'));
  } catch {
    deps.log.error('dropped event: not JSON');
    return undefined;
  }
  const parsed = replyJobSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = parsed.error.issues.slice(0, 10).map((issue) => issue.path.join('.') || '(root)');
    deps.log.error({ fields }, 'dropped event: not a reply job');
    return undefined;
  }
  // Checked again here: the reply function can be invoked by anything holding the invoke permission.
  if (!isAllowedWebhook(parsed.data.sessionWebhook, deps.config.webhookOrigins)) {
    deps.log.error(
      { msgId: parsed.data.msgId },
      'dropped event: sessionWebhook is not a /robot/sendBySession URL on DINGTALK_WEBHOOK_ORIGINS',
    );
    return undefined;
  }
  return parsed.data;
}

/**
 * Claims the message and, in the same round trip, starts every read it needs; composes the reply; marks the
 * claim as delivering before anything becomes visible (that settles the message for good); delivers; then
 * writes the turn, the usage and the index together, with the clean-ups the stores left for last.
 */
async function answerOnce(job: ReplyJob, meter: VolumeMeter, deps: ReplyDeps): Promise<ReplyOutcome> {
  const { log } = deps;
  const lastWrites: Array<() => Promise<void>> = [];
  const stores = deps.openStores(meter.volume, { later: (task) => lastWrites.push(task) }, log);
  const sweep = deps.housekeeping?.start(meter.volume, deps.clock());
  if (sweep) lastWrites.push(sweep);
  const runLastWrites = (...writes: Array<Promise<unknown> | undefined>) =>
    Promise.all([...writes, ...lastWrites.map((write) => write().catch(() => undefined))]);

  const keys = replyKeys(job, deps.config.contextScope);
  const message = classifyMessage(job, deps.templates);
  if ('input' in message) prefetchReads(job, message.parsed, keys, stores, deps.config);
  const guarded = guardVolumeStores({ ...deps, ...stores }, log);
  const claim = await guarded.processed.claim(job.msgId);
  if (!claim.claimed) {
    log.info({ state: claim.state }, 'duplicate delivery ignored');
    meter.enter('afterModel');
    await runLastWrites();
    return 'duplicate';
  }
  const target = toDeliveryTarget(job);
  let delivering: Promise<void> | undefined;
  const markDelivering = (): Promise<void> => {
    delivering ??= claim.markDelivering();
    return delivering;
  };
  // A card is visible as soon as it exists, so the claim moves on before one is created: for a question, at
  // once, alongside the reads still under way, rather than one more round trip before the model.
  const startCard = deps.cards
    ? async () => {
        const card = deps.cards?.start(target, job.msgId, log);
        if (card) await markDelivering();
        return card;
      }
    : undefined;
  if (startCard && 'input' in message && ['question', 'template'].includes(message.parsed.kind)) {
    void markDelivering();
  }
  log.info({ msgtype: job.msgtype, kind: job.content.kind, quote: job.quote?.kind }, 'message');
  const reply: Reply =
    'notice' in message
      ? { text: message.notice }
      : await composeReply(job, message.input, message.parsed, keys, {
          ...guarded,
          ...(startCard ? { startCard } : {}),
        }).catch((error: unknown): Reply => {
          // The volume failure itself was logged by the guard, with its code.
          if (error instanceof StorageUnavailable) return { text: NOTICES.storageDown };
          log.error({ error: describeError(error) }, 'could not compose the reply');
          return { text: NOTICES.internal };
        });

  meter.enter('afterModel');
  await markDelivering();
  const result = reply.deliveredByCard
    ? { delivered: true }
    : await deps.delivery.deliver(target, reply.text, log);
  if (!result.delivered) {
    // The delivery has logged why; the delivering mark keeps retries from posting the parts that did arrive.
    await runLastWrites();
    return 'undelivered';
  }
  await runLastWrites(
    reply.turn ? saveTurn(job, keys.history, reply.turn, guarded) : undefined,
    recordUse(job, keys, reply, guarded),
  );
  return reply.turn ? 'answered' : 'notice';
}

/**
 * History is per conversation and sender (a direct chat never leaks into a group), or shared by a whole group
 * with CONTEXT_SCOPE=conversation; the mode belongs to the sender. Never keyed on the nickname.
 */
function replyKeys(job: ReplyJob, scope: 'user' | 'conversation'): ReplyKeys {
  const sender = job.senderStaffId || job.senderId;
  const shared = scope === 'conversation' && job.conversationType === 'group';
  return {
    history: historyKey(shared ? [job.conversationId] : [job.conversationId, sender]),
    sender: historyKey(['sender', sender]),
  };
}

/** The user already has the answer: a turn the volume cannot take is logged (by the guard), never retried. */
async function saveTurn(
  job: ReplyJob,
  key: string,
  turn: NonNullable<Reply['turn']>,
  deps: Pick<ReplyDeps, 'clock'> & Pick<ComposeDeps, 'history'>,
): Promise<void> {
  await deps.history.append(key, {
    msgId: job.msgId,
    question: turn.question,
    answer: turn.answer,
    at: deps.clock(),
  });
}

/** For #统计 and #查对话: who asked, the tokens it took, and where the turn is. Failures only cost the report. */
async function recordUse(
  job: ReplyJob,
  keys: ReplyKeys,
  reply: Reply,
  deps: Pick<ComposeDeps, 'users' | 'usage'>,
): Promise<void> {
  const staffId = job.senderStaffId ? { staffId: job.senderStaffId } : {};
  await Promise.all([
    reply.turn
      ? deps.users?.remember({ ...staffId, senderId: job.senderId, nick: job.senderNick }, keys.history)
      : undefined,
    reply.usage
      ? deps.usage?.record({
          userKey: keys.sender,
          ...staffId,
          nick: job.senderNick,
          promptTokens: reply.usage.promptTokens,
          completionTokens: reply.usage.completionTokens,
          msgId: job.msgId,
        })
      : undefined,
  ]);
}

function toDeliveryTarget(job: ReplyJob): DeliveryTarget {
  return {
    sessionWebhook: job.sessionWebhook,
    sessionWebhookExpiredTime: job.sessionWebhookExpiredTime,
    conversationType: job.conversationType,
    conversationId: job.conversationId,
    senderStaffId: job.senderStaffId,
    senderNick: job.senderNick,
    robotCode: job.robotCode,
  };
}
