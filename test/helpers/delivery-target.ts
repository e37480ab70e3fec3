import type { DeliveryTarget } from '../../src/ports';

/** A direct chat as a delivery target (the fixtures' conversation); override what a test is about. */
export function directChatTarget(
  base: { robotCode: string; senderStaffId: string; sessionWebhook?: string; expiresAt?: number },
  overrides: Partial<DeliveryTarget> = {},
): DeliveryTarget {
  return {
    sessionWebhook: base.sessionWebhook ?? 'https://oapi.dingtalk.com/robot/sendBySession?session=unused',
    sessionWebhookExpiredTime: base.expiresAt ?? Date.now() + 5_400_000,
    conversationType: 'single',
    conversationId: 'cidq3Zr8c0VnB1pY2Lx0W9sTgHfYxK4mN7vQ2aE5bC1dRs=',
    senderStaffId: base.senderStaffId,
    senderNick: '张三',
    robotCode: base.robotCode,
    ...overrides,
  };
}
