import { NOTICES } from '../chat/notices';
import { describeError } from '../describe-error';
import type { ReplyJob } from '../dingtalk/reply-job';
import { replyJobSchema } from '../dingtalk/reply-job';
import { isAllowedWebhook } from '../dingtalk/session-webhook-rule';
import { MEDIA_NOTICES } from '../media/media-notices';
import type { QuestionInput } from '../media/prepare-question';
import type { AnswerDelivery, Clock, DeliveryTarget, Logger, StreamingAnswer } from '../ports';
import { historyKey } from '../storage/history-key';
import type { ClaimResult } from '../storage/processed-store';
import type { Reply } from './ask-model';
import type { ComposeDeps, ReplyKeys } from './compose-reply';
import { composeReply } from './compose-reply';
import { guardVolumeStores, StorageUnavailable } from './storage-guard';

/** What the reply handler needs from its surroundings. */
export interface ReplyDeps extends Omit<ComposeDeps, 'startCard'> {
  config: ComposeDeps['config'] & { webhookOrigins: string[] };
  clock: Clock;
  processed: { claim(msgId: string): Promise<ClaimResult> };
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
  try {
    return await answerOnce(job, guardVolumeStores({ ...deps, log }, log));
  } catch (error) {
    log.error({ error: describeError(error) }, 'reply failed unexpectedly');
    return 'failed';
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

async function answerOnce(job: ReplyJob, deps: ReplyDeps): Promise<ReplyOutcome> {
  const { log } = deps;
  const claim = await deps.processed.claim(job.msgId);
  if (!claim.claimed) {
    log.info({ state: claim.state }, 'duplicate delivery ignored');
    return 'duplicate';
  }
  const keys = replyKeys(job, deps.config.contextScope);
  const target = toDeliveryTarget(job);
  let delivering = false;
  const markDelivering = async (): Promise<void> => {
    if (!delivering) await claim.markDelivering();
    delivering = true;
  };
  // A card is visible to the user as soon as it exists, so the claim moves on before it is created.
  const startCard = deps.cards
    ? async () => {
        const card = deps.cards?.start(target, job.msgId, log);
        if (card) await markDelivering();
        return card;
      }
    : undefined;
  const reply = await replyTo(job, keys, { ...deps, ...(startCard ? { startCard } : {}) }).catch(
    (error: unknown): Reply => {
      // The volume failure itself was logged by the guard, with its code.
      if (error instanceof StorageUnavailable) return { text: NOTICES.storageDown };
      log.error({ error: describeError(error) }, 'could not compose the reply');
      return { text: NOTICES.internal };
    },
  );

  await markDelivering();
  const result = reply.deliveredByCard
    ? { delivered: true }
    : await deps.delivery.deliver(target, reply.text, log);
  if (!result.delivered) {
    // The delivery has logged why; the claim is closed so no retry posts the parts that did arrive again.
    await claim.markDone();
    return 'undelivered';
  }
  if (reply.turn) await saveTurn(job, keys.history, reply.turn, deps);
  await recordUse(job, keys, reply, deps);
  await claim.markDone();
  return reply.turn ? 'answered' : 'notice';
}

async function replyTo(job: ReplyJob, keys: ReplyKeys, deps: ComposeDeps): Promise<Reply> {
  const { content } = job;
  deps.log.info({ msgtype: job.msgtype, kind: content.kind, quote: job.quote?.kind }, 'message');
  switch (content.kind) {
    case 'other':
      return { text: MEDIA_NOTICES.unsupportedType };
    case 'voice':
      // Answered as if the transcript had been typed: commands, policies and history all apply.
      if (!content.transcript.trim()) return { text: MEDIA_NOTICES.emptyVoice };
      return composeReply(job, withQuote({ text: content.transcript }, job), keys, deps);
    case 'text':
      return composeReply(job, withQuote({ text: content.text }, job), keys, deps);
    case 'file':
      return composeReply(job, withQuote({ text: '', file: content }, job), keys, deps);
    case 'pictures': {
      if (content.parts.some((part) => part.type === 'picture'))
        return composeReply(job, withQuote({ text: '', parts: content.parts }, job), keys, deps);
      // A rich text of text only reads as typed text.
      const text = content.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
      return composeReply(job, withQuote({ text }, job), keys, deps);
    }
  }
}

function withQuote(input: QuestionInput, job: ReplyJob): QuestionInput {
  return job.quote === undefined ? input : { ...input, quote: job.quote };
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
  deps: ReplyDeps,
): Promise<void> {
  await deps.history.append(key, {
    msgId: job.msgId,
    question: turn.question,
    answer: turn.answer,
    at: deps.clock(),
  });
}

/** For #统计 and #查对话: who asked, the tokens it took, and where the turn is. Failures only cost the report. */
async function recordUse(job: ReplyJob, keys: ReplyKeys, reply: Reply, deps: ReplyDeps): Promise<void> {
  const staffId = job.senderStaffId ? { staffId: job.senderStaffId } : {};
  if (reply.turn) {
    await deps.users?.remember({ ...staffId, senderId: job.senderId, nick: job.senderNick }, keys.history);
  }
  if (reply.usage) {
    await deps.usage?.record({
      userKey: keys.sender,
      ...staffId,
      nick: job.senderNick,
      promptTokens: reply.usage.promptTokens,
      completionTokens: reply.usage.completionTokens,
      msgId: job.msgId,
    });
  }
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
