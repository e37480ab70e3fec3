// First, so the cap covers every module's code.
import './baseline-jit';
import type { ConversationConfig } from '../../src/config/conversation-config';
import { loadConversationConfig, resolveReplyEndpoint } from '../../src/config/conversation-config';
import { describeError } from '../../src/describe-error';
import type { DispatchReply } from '../../src/handlers/handle-conversation';
import { handleConversation } from '../../src/handlers/handle-conversation';
import { jsonResponse } from '../../src/handlers/http-types';
import { asyncTaskId } from '../../src/platform/async-task-id';
import type { FcContext } from '../../src/platform/fc-context';
import { readRoleCredentials } from '../../src/platform/fc-context';
import type { FcHttpResponse } from '../../src/platform/fc-http-event';
import { decodeHttpTriggerEvent, toFcHttpResponse } from '../../src/platform/fc-http-event';
import { invokeReplyAsync } from '../../src/platform/invoke-reply';
import { loadAtColdStart } from '../load-at-cold-start';

/** DingTalk gives a callback about 10 s; the invoke must fit well inside that. */
const INVOKE_TIMEOUT_MS = 5000;

// Built once per instance: FC reuses warm instances, and the environment does not change between invocations.
const { config, log } = loadAtColdStart('conversation', loadConversationConfig);

/** FC 3.0 entry point of the HTTP-triggered conversation function. */
export async function handler(event: Buffer, context: FcContext): Promise<FcHttpResponse> {
  const invocationLog = log.child({ requestId: context.requestId });
  if (!config) {
    invocationLog.error('configuration invalid: see the cold-start log line for the variables to fix');
    return toFcHttpResponse(jsonResponse(500, { error: 'connector misconfigured' }));
  }
  const request = decodeHttpTriggerEvent(event);
  if (!request) {
    invocationLog.warn('rejected request: not an HTTP trigger event');
    return toFcHttpResponse(jsonResponse(400, { error: 'bad request' }));
  }
  const response = await handleConversation(request, {
    config,
    clock: Date.now,
    log: invocationLog,
    dispatch: createDispatch(config, context),
  });
  return toFcHttpResponse(response);
}

function createDispatch(config: ConversationConfig, context: FcContext): DispatchReply {
  return async (job, msgId, msgLog) => {
    const credentials = readRoleCredentials(context, process.env);
    if (!credentials) {
      throw new Error(
        'no role credentials: give the function a RAM role (or set ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET)',
      );
    }
    const target = {
      endpoint: resolveReplyEndpoint(config, context),
      functionName: config.replyFunctionName,
      serviceName: config.replyServiceName,
      accountId: context.accountId ?? process.env.FC_ACCOUNT_ID ?? '',
      region: context.region ?? process.env.FC_REGION ?? '',
      timeoutMs: INVOKE_TIMEOUT_MS,
    };
    const started = Date.now();
    try {
      const outcome = await invokeReplyAsync(target, credentials, job, asyncTaskId(msgId));
      msgLog.debug({ invokeMs: Date.now() - started, status: outcome.status }, 'reply invoked');
      return outcome.status;
    } catch (error) {
      msgLog.debug({ invokeMs: Date.now() - started, error: describeError(error) }, 'reply invoke failed');
      throw error;
    }
  };
}
