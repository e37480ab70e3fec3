import { isAdmin } from '../access/check-access';
import type { ParsedText } from '../commands/parse-command';
import type { ReplyJob } from '../dingtalk/reply-job';
import type { ComposeDeps, ReplyKeys } from './compose-reply';
import { checkCommandAccess } from './compose-reply';
import { quotaApplies } from './screen-question';
import type { VolumeStores } from './storage-guard';

/**
 * Starts, before the message is claimed and in parallel with the claim, every read the message will need
 * (which ones follows from the text alone): the stores opened for this message keep the results, so
 * composing the reply finds them done instead of paying one round trip to the OSS mount after another. The
 * quota entry of a question is written now too: a second attempt at the message counts once, and a question
 * that stops before the quota check gives it back.
 */
export function prefetchReads(
  job: ReplyJob,
  parsed: ParsedText,
  keys: ReplyKeys,
  stores: Pick<VolumeStores, 'history' | 'modes' | 'quota' | 'usage' | 'users'>,
  config: ComposeDeps['config'],
): void {
  if (!checkCommandAccess(parsed, job, config.policy).allowed) return;
  const max = config.policy.maxRequestsPerDay;
  const takesQuota = quotaApplies(job, { config, quota: stores.quota });
  // Failures surface where the reply awaits these, through the storage guard.
  const warm = (promise: Promise<unknown> | undefined) => void promise?.catch(() => undefined);
  switch (parsed.kind) {
    case 'question':
    case 'template':
      warm(stores.modes.get(keys.sender));
      // Whatever the mode: a 单聊 sender's unused turns cost reads, never a round trip.
      if (config.historyLength > 0) warm(stores.history.load(keys.history, config.historyLength));
      if (takesQuota) warm(stores.quota?.take(keys.sender, max, job.msgId));
      return;
    case 'image':
      if (parsed.prompt && takesQuota) warm(stores.quota?.take(keys.sender, max, job.msgId));
      return;
    case 'help':
    case 'mode':
      warm(stores.modes.get(keys.sender));
      return;
    case 'reset':
      warm(stores.modes.get(keys.sender));
      stores.history.prepareClear?.(keys.history);
      return;
    case 'clear':
      stores.history.prepareClear?.(keys.history);
      return;
    case 'quota':
      if (takesQuota) warm(stores.quota?.peek(keys.sender, max));
      return;
    case 'stats':
      if (adminInDirectChat(job, config)) warm(stores.usage?.today());
      return;
    case 'history-lookup':
      if (adminInDirectChat(job, config) && parsed.who) warm(stores.users?.find(parsed.who));
      return;
    default:
      return;
  }
}

function adminInDirectChat(job: ReplyJob, config: ComposeDeps['config']): boolean {
  return job.conversationType === 'single' && isAdmin(config.policy, job.senderStaffId);
}
