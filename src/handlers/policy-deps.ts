import type { PolicyConfig } from '../config/policy-config';

/** The day's request counter of each user (the history volume, no lost updates). */
export interface QuotaCounter {
  take(
    userKey: string,
    max: number,
    msgId: string,
  ): Promise<{ allowed: boolean; used: number; remaining: number }>;
  peek(userKey: string, max: number): Promise<{ used: number; remaining: number }>;
  /** Gives back what was taken for `msgId`: the question stopped before it reached the model. */
  release?(userKey: string, msgId: string): Promise<void>;
}

/** Today's answered messages and tokens per user, for #统计. */
export interface UsageLog {
  record(entry: {
    userKey: string;
    staffId?: string;
    nick: string;
    promptTokens: number;
    completionTokens: number;
    msgId: string;
  }): Promise<void>;
  today(): Promise<
    Array<{
      staffId?: string;
      nick: string;
      messages: number;
      promptTokens: number;
      completionTokens: number;
    }>
  >;
}

/** Which history belongs to whom, so an admin can look a user up by staffId or nickname. */
export interface UserDirectory {
  remember(user: { staffId?: string; senderId: string; nick: string }, historyKey: string): Promise<void>;
  find(staffIdOrNick: string): Promise<Array<{ staffId?: string; nick: string; historyKeys: string[] }>>;
}

/** Content moderation of questions and answers; throws when the service cannot be reached. */
export interface ContentModeration {
  check(kind: 'question' | 'answer', text: string): Promise<'high' | 'medium' | 'low' | 'none'>;
}

/** Access control, quotas, usage and moderation, as the reply handler uses them. */
export interface PolicyDeps {
  config: { policy: PolicyConfig };
  quota?: QuotaCounter | undefined;
  usage?: UsageLog | undefined;
  users?: UserDirectory | undefined;
  moderation?: ContentModeration | undefined;
}
