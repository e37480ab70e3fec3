import type { AccessPolicy } from '../access/check-access';
import { isValidTimeZone } from '../storage/local-day';
import type { FieldReader } from './fields';

/** Who may use the robot, and how much (chatgpt-dingtalk's lists, keyed by staffId / conversationId). */
export interface PolicyConfig extends AccessPolicy {
  /** 0 = unlimited. */
  maxRequestsPerDay: number;
  /** The quota day starts at midnight here, not at UTC midnight. */
  timeZone: string;
  sensitiveWords: string[];
  /** Alibaba Cloud Green TextModerationPlus; undefined = off. */
  moderation: { endpoint: string; failClosed: boolean } | undefined;
}

/** ALLOW_USERS … MODERATION_*: access control, quotas and moderation of the reply function. */
export function readPolicy(read: FieldReader, problems: string[]): PolicyConfig {
  const chatType = (read.optionalString(['CHAT_TYPE']) ?? 'all').toLowerCase();
  if (chatType !== 'all' && chatType !== 'single' && chatType !== 'group') {
    problems.push('CHAT_TYPE must be all, single or group');
  }
  const timeZone = read.string(['TIMEZONE'], 'Asia/Shanghai');
  const maxRequestsPerDay = read.number(
    ['MAX_REQUESTS_PER_DAY'],
    0,
    { integer: true, min: 0, max: 1_000_000 },
    'a whole number of requests (0 = unlimited)',
  );
  const adminUsers = read.list(['ADMIN_USERS']);
  // Only quotas and admin reports count days. Checking a zone loads ICU's time-zone data (about 8 MB of memory),
  // which deployments without them never need.
  const countsDays = maxRequestsPerDay > 0 || adminUsers.length > 0;
  const validZone = !countsDays || isValidTimeZone(timeZone);
  if (!validZone) problems.push('TIMEZONE must be an IANA time zone such as Asia/Shanghai');
  const moderation = (read.optionalString(['MODERATION']) ?? 'off').toLowerCase();
  if (moderation !== 'off' && moderation !== 'aliyun') problems.push('MODERATION must be off or aliyun');
  const fail = (read.optionalString(['MODERATION_FAIL']) ?? 'closed').toLowerCase();
  if (fail !== 'open' && fail !== 'closed') problems.push('MODERATION_FAIL must be open or closed');
  const endpoint = read.url(['MODERATION_ENDPOINT'], 'https://green-cip.cn-shanghai.aliyuncs.com').origin;
  return {
    allowUsers: read.list(['ALLOW_USERS']),
    denyUsers: read.list(['DENY_USERS']),
    allowGroups: read.list(['ALLOW_GROUPS']),
    chatType: chatType === 'single' || chatType === 'group' ? chatType : 'all',
    adminUsers,
    vipUsers: read.list(['VIP_USERS']),
    maxRequestsPerDay,
    timeZone: validZone ? timeZone : 'Asia/Shanghai',
    sensitiveWords: read.list(['SENSITIVE_WORDS']),
    moderation: moderation === 'aliyun' ? { endpoint, failClosed: fail !== 'open' } : undefined,
  };
}
