import { buildMessages } from '../chat/build-messages';
import type { ChatCompleter } from '../chat/chat-completer';
import { ChatFailure } from '../chat/chat-failure';
import { chatFailureNotice, NOTICES, unknownCommandNotice } from '../chat/notices';
import { parseCommand } from '../chat/parse-command';
import type { ReplyConfig } from '../config/reply-config';
import { describeError } from '../describe-error';
import type { ReplyJob } from '../dingtalk/reply-job';
import { replyJobSchema } from '../dingtalk/reply-job';
import { isAllowedWebhook } from '../dingtalk/webhook-origin';
import type { AnswerDelivery, Clock, DeliveryTarget, HistoryStore, Logger } from '../ports';
import { historyKey } from '../storage/history-key';
import type { ClaimResult } from '../storage/processed-store';

/** What the reply handler needs from its surroundings. */
export interface ReplyDeps {
  config: Pick<ReplyConfig, 'historyLength' | 'systemPrompt' | 'webhookOrigins'>;
  clock: Clock;
  log: Logger;
  history: HistoryStore;
  processed: { claim(msgId: string, createAt: number): Promise<ClaimResult> };
  chat: ChatCompleter;
  delivery: AnswerDelivery;
}

export type ReplyOutcome = 'answered' | 'notice' | 'duplicate' | 'invalid' | 'undelivered' | 'failed';

/** What to post, and the turn to store once it has been delivered. */
interface Reply {
  text: string;
  turn?: { question: string; answer: string };
}

/** Answers one queued DingTalk message exactly once. Resolves on every path: a throw would make FC retry it. */
export async function handleReply(event: Buffer, deps: ReplyDeps): Promise<ReplyOutcome> {
  const job = parseJob(event, deps);
  if (!job) return 'invalid';
  const log = deps.log.child({ msgId: job.msgId });
  try {
    return await answerOnce(job, { ...deps, log });
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
      'dropped event: sessionWebhook origin not in DINGTALK_WEBHOOK_ORIGINS',
    );
    return undefined;
  }
  return parsed.data;
}

async function answerOnce(job: ReplyJob, deps: ReplyDeps): Promise<ReplyOutcome> {
  const { log } = deps;
  const claim = await deps.processed.claim(job.msgId, job.createAt);
  if (!claim.claimed) {
    log.info({ state: claim.state }, 'duplicate delivery ignored');
    return 'duplicate';
  }
  const key = historyKey([job.conversationId, job.senderStaffId || job.senderId]);
  const reply = await composeReply(job, key, deps).catch((error: unknown): Reply => {
    log.error({ error: describeError(error) }, 'could not compose the reply');
    return { text: NOTICES.internal };
  });

  await claim.markDelivering();
  const result = await deps.delivery.deliver(toDeliveryTarget(job), reply.text, log);
  if (!result.delivered) {
    // The delivery has logged why; the claim is closed so no retry posts the parts that did arrive again.
    await claim.markDone();
    return 'undelivered';
  }
  if (reply.turn && deps.config.historyLength > 0) {
    await saveTurn(job, key, reply.turn, deps);
  }
  await claim.markDone();
  return reply.turn ? 'answered' : 'notice';
}

async function composeReply(job: ReplyJob, key: string, deps: ReplyDeps): Promise<Reply> {
  const { log } = deps;
  if (job.msgtype !== 'text' || job.text === undefined) {
    log.info({ msgtype: job.msgtype }, 'non-text message');
    return { text: NOTICES.nonText };
  }
  const parsed = parseCommand(job.text);
  switch (parsed.kind) {
    case 'empty':
      return { text: NOTICES.empty };
    case 'unknown-command':
      log.info({ command: parsed.word }, 'unknown command');
      return { text: unknownCommandNotice(parsed.word) };
    case 'clear':
      await deps.history.clear(key);
      log.info('history cleared');
      return { text: NOTICES.cleared };
    case 'question':
      return askModel(parsed.text, key, deps);
  }
}

async function askModel(question: string, key: string, deps: ReplyDeps): Promise<Reply> {
  const { log, config } = deps;
  const turns = config.historyLength > 0 ? await deps.history.load(key, config.historyLength) : [];
  log.debug({ question }, 'question');
  try {
    const answer = await deps.chat.complete(buildMessages(config.systemPrompt, turns, question), log);
    log.info(
      { historyTurns: turns.length, model: answer.model, answerChars: answer.text.length },
      'answer ready',
    );
    return { text: answer.text, turn: { question, answer: answer.text } };
  } catch (error) {
    if (!(error instanceof ChatFailure)) throw error;
    return { text: chatFailureNotice(error.kind) };
  }
}

async function saveTurn(
  job: ReplyJob,
  key: string,
  turn: Reply['turn'] & object,
  deps: ReplyDeps,
): Promise<void> {
  try {
    await deps.history.append(key, {
      msgId: job.msgId,
      question: turn.question,
      answer: turn.answer,
      at: deps.clock(),
    });
  } catch (error) {
    // The user already has the answer; losing the turn is logged rather than retried into a second answer.
    deps.log.error({ error: describeError(error) }, 'could not save the turn');
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
