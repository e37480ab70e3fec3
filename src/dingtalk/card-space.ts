import type { DeliveryTarget } from '../ports';

/** Where a card is delivered: the openSpaceId and the deliver-model fields of createAndDeliver (dingtalk.md §8.1). */
export interface CardSpace {
  openSpaceId: string;
  deliverModel:
    | { imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT'; robotCode: string } }
    | { imGroupOpenDeliverModel: { robotCode: string; atUserIds?: Record<string, string> } };
}

/** The chat a card for this target goes to; undefined for a direct chat without senderStaffId (no IM_ROBOT space). */
export function findCardSpace(target: DeliveryTarget, robotCode: string): CardSpace | undefined {
  const staffId = target.senderStaffId?.trim();
  if (target.conversationType === 'group') {
    const atUserIds = staffId ? { atUserIds: { [staffId]: target.senderNick } } : {};
    return {
      openSpaceId: `dtv1.card//IM_GROUP.${target.conversationId}`,
      deliverModel: { imGroupOpenDeliverModel: { robotCode, ...atUserIds } },
    };
  }
  if (!staffId) return undefined;
  return {
    openSpaceId: `dtv1.card//IM_ROBOT.${staffId}`,
    deliverModel: { imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode } },
  };
}
