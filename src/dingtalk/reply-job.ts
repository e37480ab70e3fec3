import * as z from 'zod/mini';
import type { RobotCallback } from './callback-schema';

const filled = z.string().check(z.minLength(1));
const epochMs = z.int().check(z.nonnegative());

/**
 * What conversation hands to reply through FC's async invoke (≤ 128 KB): the fields needed to answer, nothing
 * else. Versioned because queued events can outlive a deployment.
 */
export const replyJobSchema = z.object({
  v: z.literal(1),
  msgId: filled,
  createAt: epochMs,
  msgtype: filled,
  /** The text as sent (text messages only); group texts keep DingTalk's leading space. */
  text: z.optional(z.string()),
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
});

export type ReplyJob = z.infer<typeof replyJobSchema>;

/** Builds the reply job from a validated callback. */
export function toReplyJob(callback: RobotCallback): ReplyJob {
  const job: ReplyJob = {
    v: 1,
    msgId: callback.msgId,
    createAt: callback.createAt,
    msgtype: callback.msgtype,
    conversationType: callback.conversationType === '2' ? 'group' : 'single',
    conversationId: callback.conversationId,
    senderId: callback.senderId,
    senderNick: callback.senderNick ?? '',
    sessionWebhook: callback.sessionWebhook,
    sessionWebhookExpiredTime: callback.sessionWebhookExpiredTime,
  };
  if (callback.msgtype === 'text' && callback.text) job.text = callback.text.content;
  if (callback.conversationTitle !== undefined) job.conversationTitle = callback.conversationTitle;
  if (callback.senderStaffId) job.senderStaffId = callback.senderStaffId;
  if (callback.isAdmin !== undefined) job.isAdmin = callback.isAdmin;
  if (callback.robotCode) job.robotCode = callback.robotCode;
  return job;
}
