/** Who may talk to the robot, where: the ALLOW_/DENY_/ADMIN_/VIP_ lists and CHAT_TYPE. */
export interface AccessPolicy {
  /** staffIds; empty = everyone. */
  allowUsers: string[];
  /** staffIds; wins over every other list, adminUsers and vipUsers included. */
  denyUsers: string[];
  /** Group conversationIds; empty = every group. Direct chats are never restricted by it. */
  allowGroups: string[];
  chatType: 'all' | 'single' | 'group';
  /** staffIds exempt from the user and group lists and from the daily quota; may run admin commands. */
  adminUsers: string[];
  /** staffIds exempt from the daily quota. */
  vipUsers: string[];
}

/** Whether a message may be answered, and if not, why. */
export type AccessVerdict =
  | { allowed: true }
  | { allowed: false; reason: 'denied' | 'not-allowed' | 'group-not-allowed' | 'chat-type' };

/** Why a message was refused. */
export type RefusalReason = Extract<AccessVerdict, { allowed: false }>['reason'];

/**
 * Checks, in order: CHAT_TYPE (applies to everyone, admins included: it says where the robot works at all);
 * DENY_USERS (wins over everything, ADMIN_USERS and VIP_USERS included, as documented); admins pass the rest, as
 * in chatgpt-dingtalk; ALLOW_GROUPS (in groups only); ALLOW_USERS. Empty lists restrict nothing. Users are
 * matched by staffId only, so a sender without one (an external user) is never an admin and is refused whenever
 * ALLOW_USERS is set.
 */
export function checkAccess(
  policy: AccessPolicy,
  who: { staffId?: string | undefined },
  where: { conversationType: 'single' | 'group'; conversationId: string },
): AccessVerdict {
  if (policy.chatType !== 'all' && policy.chatType !== where.conversationType) return refuse('chat-type');
  const staffId = who.staffId || undefined;
  if (listed(policy.denyUsers, staffId)) return refuse('denied');
  if (isAdmin(policy, staffId)) return { allowed: true };
  if (
    where.conversationType === 'group' &&
    policy.allowGroups.length > 0 &&
    !policy.allowGroups.includes(where.conversationId)
  )
    return refuse('group-not-allowed');
  if (policy.allowUsers.length > 0 && !listed(policy.allowUsers, staffId)) return refuse('not-allowed');
  return { allowed: true };
}

/** Whether the sender (by staffId) is in ADMIN_USERS and not in DENY_USERS; never true without a staffId. */
export function isAdmin(policy: AccessPolicy, staffId: string | undefined): boolean {
  return listed(policy.adminUsers, staffId) && !listed(policy.denyUsers, staffId);
}

/** Whether the sender's requests are not counted against MAX_REQUESTS_PER_DAY: admins and VIPs, unless denied. */
export function isExemptFromQuota(policy: AccessPolicy, staffId: string | undefined): boolean {
  return isAdmin(policy, staffId) || (listed(policy.vipUsers, staffId) && !listed(policy.denyUsers, staffId));
}

/**
 * The one-line refusal for `reason`, telling the user how to get access. For 'chat-type', pass the policy's
 * CHAT_TYPE so the line can say where the robot does answer.
 */
export function refusalNotice(reason: RefusalReason, chatType?: AccessPolicy['chatType']): string {
  switch (reason) {
    case 'denied':
      return '抱歉，管理员已停用你使用本机器人的权限。如有疑问，请发送 whoami 查看你的用户 ID，并联系管理员。';
    case 'not-allowed':
      return '抱歉，你还没有使用本机器人的权限。请发送 whoami 查看你的用户 ID，发给管理员申请开通。';
    case 'group-not-allowed':
      return '抱歉，本群还没有开通机器人。请在群里发送 群ID 查看本群的 ID，发给管理员申请开通。';
    case 'chat-type':
      if (chatType === 'single') return '抱歉，本机器人只在单聊中回答，请直接私聊机器人。';
      if (chatType === 'group') return '抱歉，本机器人只在群聊中回答，请在群里 @ 机器人提问。';
      return '抱歉，本机器人没有在这类会话中开放，请联系管理员。';
  }
}

function refuse(reason: RefusalReason): AccessVerdict {
  return { allowed: false, reason };
}

// An empty staffId (external users, outgoing robots) must never match, even a stray empty list entry.
function listed(list: string[], staffId: string | undefined): boolean {
  return staffId !== undefined && staffId !== '' && list.includes(staffId);
}
