import { z } from 'zod';
import type { RobotCallback } from './callback-schema';

/**
 * What conversation hands to reply through FC's async invoke (≤ 128 KB): the fields needed to answer, nothing
 * else. Versioned because queued events can outlive a deployment.
 */
export const replyJobSchema = z.object({
  v: z.literal(1),
  msgId: z.string().min(1),
  createAt: z.number().int().nonnegative(),
  msgtype: z.string().min(1),
  /** The text as sent (text messages only); group texts keep DingTalk's leading space. */
  text: z.string().optional(),
  conversationType: z.enum(['single', 'group']),
  conversationId: z.string().min(1),
  conversationTitle: z.string().optional(),
  senderId: z.string().min(1),
  senderStaffId: z.string().optional(),
  senderNick: z.string(),
  isAdmin: z.boolean().optional(),
  robotCode: z.string().optional(),
  sessionWebhook: z.string().min(1),
  sessionWebhookExpiredTime: z.number().int().nonnegative(),
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
