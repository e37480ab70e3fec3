import { loadPromptTemplates } from '../../src/commands/load-prompt-templates';
import { mergeTemplates } from '../../src/commands/prompt-templates';
import { loadReplyConfig } from '../../src/config/reply-config';
import { handleReply } from '../../src/handlers/handle-reply';
import type { FcContext, RoleCredentials } from '../../src/platform/fc-context';
import { readRoleCredentials } from '../../src/platform/fc-context';
import { loadAtColdStart } from '../load-at-cold-start';
import { createReplyServices } from './create-reply-services';

// FC 3.0 runs one invocation at a time per instance: the role credentials of the running one, for moderation.
let roleCredentials: RoleCredentials | undefined;

// Built once per instance so warm invocations reuse the HTTP clients and the DingTalk access-token cache.
const { config, log } = loadAtColdStart('reply', (env) => {
  const replyConfig = loadReplyConfig(env);
  const custom = replyConfig.promptsFile ? loadPromptTemplates(replyConfig.promptsFile) : [];
  return { ...replyConfig, templates: mergeTemplates(custom) };
});
const services = config ? createReplyServices(config, log, () => roleCredentials) : undefined;

/** FC 3.0 entry point of the async reply function. Always resolves: a rejection would make FC retry the event. */
export async function handler(event: Buffer, context: FcContext): Promise<{ outcome: string }> {
  const invocationLog = log.child({ requestId: context.requestId });
  if (!config || !services) {
    invocationLog.error('configuration invalid: see the cold-start log line for the variables to fix');
    return { outcome: 'misconfigured' };
  }
  roleCredentials = readRoleCredentials(context, process.env);
  const outcome = await handleReply(Buffer.isBuffer(event) ? event : Buffer.from(String(event)), {
    ...services,
    log: invocationLog,
  });
  return { outcome };
}
