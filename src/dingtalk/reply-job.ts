import * as z from 'zod/mini';
import type { RobotCallback } from './callback-schema';
import type { InboundContent } from './inbound-content';
import { readInboundContent, readQuote } from './inbound-content';

const filled = z.string().check(z.minLength(1));
const epochMs = z.int().check(z.nonnegative());

const part = z.union([
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({ type: z.literal('picture'), downloadCode: filled }),
]);
const content = z.union([
  z.object({ kind: z.literal('text'), text: z.string() }),
  z.object({ kind: z.literal('voice'), transcript: z.string() }),
  z.object({ kind: z.literal('pictures'), parts: z.array(part) }),
  z.object({ kind: z.literal('file'), downloadCode: filled, fileName: z.string() }),
  z.object({ kind: z.literal('other'), msgtype: z.string() }),
]);
const quote = z.union([content, z.object({ kind: z.literal('missing') })]);

const common = {
  msgId: filled,
  createAt: epochMs,
  msgtype: filled,
  conversationType: z.enum(['single', 'group']),
  conversationId: filled,
  conversationTitle: z.optional(z.string()),
  senderId: filled,
  senderStaffId: z.optional(z.string()),
  senderNick: z.string(),
  isAdmin: z.optional(z.boolean()),
  robotCode: z.optional(z.string()),
  sessionWebhook: filled,
  sessionWebhookExpiredTime: epochMs,
};

/**
 * What conversation hands to reply through FC's async invoke (≤ 128 KB): the fields needed to answer, nothing
 * else. Versioned because queued events can outlive a deployment: v2 carries every message kind, v1 (text only)
 * is still read.
 */
const jobV2 = z.object({
  v: z.literal(2),
  ...common,
  content,
  quote: z.optional(quote),
});
const jobV1 = z.object({
  v: z.literal(1),
  ...common,
  /** The text as sent (text messages only); group texts keep DingTalk's leading space. */
  text: z.optional(z.string()),
});

export const replyJobSchema = z.pipe(
  z.union([jobV2, jobV1]),
  z.transform((job): ReplyJob => {
    if (job.v === 2) return job;
    const { text, ...rest } = job;
    const fromV1: InboundContent =
      job.msgtype === 'text' && text !== undefined
        ? { kind: 'text', text }
        : { kind: 'other', msgtype: job.msgtype };
    return { ...rest, v: 2, content: fromV1 };
  }),
);

/** A reply job as the reply function works with it (v1 jobs are upgraded on reading). */
export type ReplyJob = z.infer<typeof jobV2>;

/** Builds the reply job from a validated callback. */
export function toReplyJob(callback: RobotCallback): ReplyJob {
  const job: ReplyJob = {
    v: 2,
    msgId: callback.msgId,
    createAt: callback.createAt,
    msgtype: callback.msgtype,
    content: readInboundContent(callback.msgtype, callback),
    conversationType: callback.conversationType === '2' ? 'group' : 'single',
    conversationId: callback.conversationId,
    senderId: callback.senderId,
    senderNick: callback.senderNick ?? '',
    sessionWebhook: callback.sessionWebhook,
    sessionWebhookExpiredTime: callback.sessionWebhookExpiredTime,
  };
  const quoted = callback.msgtype === 'text' ? readQuote(callback.text) : undefined;
  if (quoted !== undefined) job.quote = quoted;
  if (callback.conversationTitle !== undefined) job.conversationTitle = callback.conversationTitle;
  if (callback.senderStaffId) job.senderStaffId = callback.senderStaffId;
  if (callback.isAdmin !== undefined) job.isAdmin = callback.isAdmin;
  if (callback.robotCode) job.robotCode = callback.robotCode;
  return job;
}
