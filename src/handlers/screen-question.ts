import { isExemptFromQuota } from '../access/check-access';
import { describeError } from '../describe-error';
import type { ReplyJob } from '../dingtalk/reply-job';
import { findSensitiveWord } from '../moderation/sensitive-words';
import type { Logger } from '../ports';
import type { PolicyDeps } from './policy-deps';

const NOTICES = {
  sensitive: '🚫 抱歉，你的问题包含敏感词，无法回答。请修改后再试。',
  flagged: '🚫 抱歉，你的问题未通过内容安全审核，无法回答。',
  moderationDown: '抱歉，内容安全审核服务暂时不可用，请稍后再试。',
} as const;

/** The daily limit is reached: when it resets, and whom to ask. */
export function quotaNotice(max: number): string {
  return `今天的 ${max} 次提问已经用完了，明天零点后再来吧。需要更多次数请联系管理员。`;
}

/** Whether this sender's questions count against MAX_REQUESTS_PER_DAY. */
export function quotaApplies(job: ReplyJob, deps: PolicyDeps): boolean {
  const { policy } = deps.config;
  return (
    policy.maxRequestsPerDay > 0 && deps.quota !== undefined && !isExemptFromQuota(policy, job.senderStaffId)
  );
}

/** Gives back quota taken ahead for a question that stopped before the quota check (nothing was asked). */
export async function giveBackQuota(job: ReplyJob, userKey: string, deps: PolicyDeps): Promise<void> {
  if (quotaApplies(job, deps)) await deps.quota?.release?.(userKey, job.msgId);
}

/**
 * Checks a question before any model call: sensitive words, the daily quota, then content moderation.
 * Returns the refusal to post, or undefined when the question may go to the model.
 */
export async function screenQuestion(
  job: ReplyJob,
  question: string,
  userKey: string,
  deps: PolicyDeps & { log: Logger },
): Promise<string | undefined> {
  const { policy } = deps.config;
  const { log } = deps;
  if (findSensitiveWord(question, policy.sensitiveWords) !== undefined) {
    log.info('question refused: sensitive word');
    await giveBackQuota(job, userKey, deps);
    return NOTICES.sensitive;
  }
  const max = policy.maxRequestsPerDay;
  if (quotaApplies(job, deps) && deps.quota) {
    const taken = await deps.quota.take(userKey, max, job.msgId);
    log.info({ used: taken.used, remaining: taken.remaining, allowed: taken.allowed }, 'daily quota');
    if (!taken.allowed) return quotaNotice(max);
  }
  // A lone picture has no words to screen (the moderation API refuses empty text).
  if (deps.moderation && question.trim() !== '') {
    try {
      const risk = await deps.moderation.check('question', question);
      if (risk === 'high' || risk === 'medium') {
        log.info({ risk }, 'question refused by moderation');
        return NOTICES.flagged;
      }
    } catch (error) {
      const closed = policy.moderation?.failClosed !== false;
      log.warn(
        { error: describeError(error), failClosed: closed },
        'moderation unavailable for the question',
      );
      if (closed) return NOTICES.moderationDown;
    }
  }
  return undefined;
}
