import * as z from 'zod/mini';

/** Milliseconds; DingTalk sends numbers, but its field table says String, so numeric strings are accepted too. */
const epochMs = z.pipe(
  z.union([z.number(), z.string().check(z.regex(/^\d{1,16}$/))]),
  z.pipe(z.transform(Number), z.int().check(z.nonnegative())),
);

/** The longest text.content accepted (UTF-16 code units, as JavaScript counts them). */
export const MAX_CALLBACK_TEXT_CHARS = 20_000;

const nonEmpty = z.string().check(z.minLength(1), z.maxLength(1024));
const optionalText = (max: number) => z.optional(z.string().check(z.maxLength(max)));

/**
 * A DingTalk app-robot callback body (receive-message doc). Unknown fields are tolerated: DingTalk keeps adding
 * them (senderPlatform, openThreadId, …).
 */
export const robotCallbackSchema = z
  .looseObject({
    msgId: nonEmpty,
    msgtype: z.string().check(z.minLength(1), z.maxLength(64)),
    createAt: epochMs,
    conversationType: z.enum(['1', '2']),
    conversationId: nonEmpty,
    conversationTitle: optionalText(1024),
    senderId: nonEmpty,
    senderStaffId: optionalText(256),
    senderNick: optionalText(1024),
    isAdmin: z.optional(z.boolean()),
    robotCode: optionalText(256),
    chatbotUserId: optionalText(1024),
    sessionWebhook: z.string().check(z.minLength(1), z.maxLength(2048)),
    sessionWebhookExpiredTime: epochMs,
    text: z.optional(z.looseObject({ content: z.string().check(z.maxLength(MAX_CALLBACK_TEXT_CHARS)) })),
  })
  .check(
    z.refine((body) => body.msgtype !== 'text' || body.text !== undefined, {
      message: 'a text message needs text.content',
      path: ['text'],
    }),
  );

export type RobotCallback = z.infer<typeof robotCallbackSchema>;
