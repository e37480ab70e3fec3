import { z } from 'zod';

/** Milliseconds; DingTalk sends numbers, but its field table says String, so numeric strings are accepted too. */
const epochMs = z
  .union([z.number(), z.string().regex(/^\d{1,16}$/)])
  .transform(Number)
  .pipe(z.number().int().nonnegative());

const nonEmpty = z.string().min(1).max(1024);

/**
 * A DingTalk app-robot callback body (receive-message doc). Unknown fields are tolerated: DingTalk keeps adding
 * them (senderPlatform, openThreadId, …).
 */
export const robotCallbackSchema = z
  .looseObject({
    msgId: nonEmpty,
    msgtype: z.string().min(1).max(64),
    createAt: epochMs,
    conversationType: z.enum(['1', '2']),
    conversationId: nonEmpty,
    conversationTitle: z.string().max(1024).optional(),
    senderId: nonEmpty,
    senderStaffId: z.string().max(256).optional(),
    senderNick: z.string().max(1024).optional(),
    isAdmin: z.boolean().optional(),
    robotCode: z.string().max(256).optional(),
    chatbotUserId: z.string().max(1024).optional(),
    sessionWebhook: z.string().min(1).max(2048),
    sessionWebhookExpiredTime: epochMs,
    text: z.looseObject({ content: z.string().max(20_000) }).optional(),
  })
  .refine((body) => body.msgtype !== 'text' || body.text !== undefined, {
    message: 'a text message needs text.content',
    path: ['text'],
  });

export type RobotCallback = z.infer<typeof robotCallbackSchema>;
