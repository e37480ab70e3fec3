import type { HistoryStore, Logger, ModeStore } from '../ports';
import { errorCodeOf } from '../storage/has-error-code';
import type { ClaimResult } from '../storage/processed-store';
import type { QuotaCounter, UsageLog, UserDirectory } from './policy-deps';

/** A command needed the history volume (a clear, a mode change, a report) and it failed: the user gets a notice. */
export class StorageUnavailable extends Error {
  constructor() {
    super('history volume unavailable');
    this.name = 'StorageUnavailable';
  }
}

/** The stores of one reply, all on the history volume. */
export interface VolumeStores {
  processed: { claim(msgId: string): Promise<ClaimResult> };
  history: HistoryStore;
  modes: ModeStore;
  quota?: QuotaCounter | undefined;
  usage?: UsageLog | undefined;
  users?: UserDirectory | undefined;
}

/**
 * Wraps the stores of one message so that a history volume that is read-only, full, not mounted or failing
 * (EROFS, ENOSPC, ENOENT, EIO…) never silences the robot: reads fall back to "nothing stored", bookkeeping writes
 * are skipped, and only what the user explicitly asked to change (a clear, a mode, a report) fails, with
 * StorageUnavailable, so the user is told. The first failure is logged once, with its code.
 */
export function guardVolumeStores<T extends VolumeStores>(stores: T, log: Logger): T {
  let reported = false;
  const note = (operation: string) => (error: unknown) => {
    if (reported) return;
    reported = true;
    log.error(
      { code: errorCodeOf(error), operation },
      'history volume unavailable: answering without stored history',
    );
  };
  const fallback =
    <R>(operation: string, value: R) =>
    (error: unknown): R => {
      note(operation)(error);
      return value;
    };
  const refuse = (operation: string) => (error: unknown) => {
    note(operation)(error);
    throw new StorageUnavailable();
  };
  const { processed, history, modes, quota, usage, users } = stores;
  const skip = (operation: string, write: () => Promise<void>) => () =>
    write().catch(fallback(operation, undefined));

  return {
    ...stores,
    processed: {
      async claim(msgId) {
        // Without the marker, FC's task-id de-duplication still stops DingTalk's redeliveries.
        const unclaimed: ClaimResult = { claimed: true, markDelivering: async () => {} };
        const claim = await processed.claim(msgId).catch(fallback('claim', unclaimed));
        if (!claim.claimed || claim === unclaimed) return claim;
        return { claimed: true, markDelivering: skip('mark delivering', claim.markDelivering) };
      },
    },
    history: {
      load: (key, maxTurns) => history.load(key, maxTurns).catch(fallback('load history', [])),
      append: (key, turn) => history.append(key, turn).catch(fallback('save turn', undefined)),
      clear: (key) => history.clear(key).catch(refuse('clear history')),
      prepareClear: (key) => history.prepareClear?.(key),
    },
    modes: {
      get: (senderKey) => modes.get(senderKey).catch(fallback('read mode', undefined)),
      set: (senderKey, mode) => modes.set(senderKey, mode).catch(refuse('save mode')),
    },
    quota: quota && {
      // A volume that cannot count must not lock everyone out: the question is let through.
      take: (userKey, max, msgId) =>
        quota
          .take(userKey, max, msgId)
          .catch(fallback('count quota', { allowed: true, used: 0, remaining: max })),
      peek: (userKey, max) => quota.peek(userKey, max).catch(refuse('read quota')),
      release: async (userKey, msgId) =>
        quota.release?.(userKey, msgId).catch(fallback('give back quota', undefined)),
    },
    usage: usage && {
      record: (entry) => usage.record(entry).catch(fallback('record usage', undefined)),
      today: () => usage.today().catch(refuse('read usage')),
    },
    users: users && {
      remember: (user, key) => users.remember(user, key).catch(fallback('index user', undefined)),
      find: (who) => users.find(who).catch(refuse('find user')),
    },
  };
}
