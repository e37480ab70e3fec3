import { createChatCompleter } from '../../src/chat/chat-completer';
import { loadPromptTemplates } from '../../src/commands/load-prompt-templates';
import type { PromptTemplate } from '../../src/commands/prompt-templates';
import { mergeTemplates } from '../../src/commands/prompt-templates';
import type { ReplyConfig } from '../../src/config/reply-config';
import { loadReplyConfig } from '../../src/config/reply-config';
import { createAnswerCards } from '../../src/dingtalk/answer-card';
import { createAnswerDelivery } from '../../src/dingtalk/answer-delivery';
import type { ReplyDeps } from '../../src/handlers/handle-reply';
import { handleReply } from '../../src/handlers/handle-reply';
import { replyLeaseMs } from '../../src/handlers/reply-budget';
import type { FcContext } from '../../src/platform/fc-context';
import type { Logger } from '../../src/ports';
import { createFileHistoryStore } from '../../src/storage/file-history-store';
import { createFileModeStore } from '../../src/storage/file-mode-store';
import { createFileTokenCache } from '../../src/storage/file-token-cache';
import { createProcessedStore } from '../../src/storage/processed-store';
import { loadAtColdStart } from '../load-at-cold-start';

// Built once per instance so warm invocations reuse the HTTP clients and the DingTalk access-token cache.
const { config, log } = loadAtColdStart('reply', (env) => {
  const replyConfig = loadReplyConfig(env);
  const custom = replyConfig.promptsFile ? loadPromptTemplates(replyConfig.promptsFile) : [];
  return { ...replyConfig, templates: mergeTemplates(custom) };
});
const services = config ? createServices(config, log) : undefined;

/** FC 3.0 entry point of the async reply function. Always resolves: a rejection would make FC retry the event. */
export async function handler(event: Buffer, context: FcContext): Promise<{ outcome: string }> {
  const invocationLog = log.child({ requestId: context.requestId });
  if (!config || !services) {
    invocationLog.error('configuration invalid: see the cold-start log line for the variables to fix');
    return { outcome: 'misconfigured' };
  }
  const outcome = await handleReply(Buffer.isBuffer(event) ? event : Buffer.from(String(event)), {
    ...services,
    log: invocationLog,
  });
  return { outcome };
}

function createServices(
  replyConfig: ReplyConfig & { templates: PromptTemplate[] },
  rootLog: Logger,
): Omit<ReplyDeps, 'log'> {
  const clock = Date.now;
  // Cold instances reuse the access token a warm one fetched: one OpenAPI call fewer per cold start.
  const tokenCache = createFileTokenCache({ dir: replyConfig.historyDir, clock });
  return {
    config: replyConfig,
    clock,
    templates: replyConfig.templates,
    history: createFileHistoryStore({ dir: replyConfig.historyDir, logger: rootLog }),
    modes: createFileModeStore({ dir: replyConfig.historyDir, logger: rootLog }),
    processed: createProcessedStore({
      dir: replyConfig.historyDir,
      logger: rootLog,
      clock,
      leaseMs: replyLeaseMs(replyConfig.llmTimeoutMs),
    }),
    chat: createChatCompleter({
      apiKey: replyConfig.openaiApiKey,
      baseURL: replyConfig.openaiBaseUrl,
      model: replyConfig.openaiModel,
      timeoutMs: replyConfig.llmTimeoutMs,
      clock,
    }),
    delivery: createAnswerDelivery({
      apps: replyConfig.dingtalkApps,
      apiBase: replyConfig.dingtalkApiBase,
      clock,
      tokenCache,
    }),
    ...(replyConfig.card
      ? {
          cards: createAnswerCards({
            apps: replyConfig.dingtalkApps,
            apiBase: replyConfig.dingtalkApiBase,
            clock,
            settings: replyConfig.card,
            tokenCache,
          }),
        }
      : {}),
  };
}
