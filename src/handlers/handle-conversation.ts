import type * as z from 'zod/mini';
import type { ConversationConfig } from '../config/conversation-config';
import { describeError } from '../describe-error';
import { robotCallbackSchema } from '../dingtalk/callback-schema';
import { toReplyJob } from '../dingtalk/reply-job';
import { isAllowedWebhook } from '../dingtalk/session-webhook-rule';
import { verifyDingTalkSignature } from '../dingtalk/signature';
import type { Clock, Logger } from '../ports';
import type { CoreHttpRequest, CoreHttpResponse } from './http-types';
import { jsonResponse } from './http-types';

/** FC rejects async payloads over 128 KB; a callback needing more is not a DingTalk message. */
export const MAX_JOB_BYTES = 128 * 1024;

/**
 * DingTalk stamps createAt when the message is sent and calls at once (redeliveries follow within minutes), so a
 * createAt a day away from our clock is not DingTalk's: only a replayed signature with a made-up body has one.
 */
export const MAX_CREATE_AT_SKEW_MS = 86_400_000;

/** Hands a reply job to the reply function; 'duplicate' means FC already queued this message. */
export type DispatchReply = (job: Buffer, msgId: string, log: Logger) => Promise<'queued' | 'duplicate'>;

/** What the conversation handler needs from its surroundings. */
export interface ConversationDeps {
  config: Pick<ConversationConfig, 'appSecrets' | 'webhookOrigins'>;
  clock: Clock;
  log: Logger;
  dispatch: DispatchReply;
}

const OK = jsonResponse(200, {});

/** Verifies, validates and dispatches one DingTalk callback; answers as soon as the reply job is queued. */
export async function handleConversation(
  request: CoreHttpRequest,
  deps: ConversationDeps,
): Promise<CoreHttpResponse> {
  const { log, config } = deps;
  if (request.method !== 'POST') return jsonResponse(405, { error: 'method not allowed' });

  // Verify first, parse second: nothing about an unauthenticated body is looked at or logged.
  const verdict = verifyDingTalkSignature({
    timestamp: request.headers.timestamp,
    sign: request.headers.sign,
    secrets: config.appSecrets,
    nowMs: deps.clock(),
  });
  if (!verdict.ok) {
    log.warn(
      { reason: verdict.reason },
      'rejected callback: signature check failed (check that DINGTALK_APP_SECRET is the robot AppSecret and the clock is right)',
    );
    return jsonResponse(401, { error: 'invalid signature' });
  }

  let body: unknown;
  try {
    body = JSON.parse(request.body);
  } catch {
    log.warn('rejected callback: body is not JSON');
    return jsonResponse(400, { error: 'body is not JSON' });
  }
  const parsed = robotCallbackSchema.safeParse(body);
  if (!parsed.success) {
    log.warn({ problems: summariseIssues(parsed.error) }, 'rejected callback: not a DingTalk robot message');
    return jsonResponse(400, { error: 'not a DingTalk robot message' });
  }
  const callback = parsed.data;
  const msgLog = log.child({ msgId: callback.msgId });
  if (!isAllowedWebhook(callback.sessionWebhook, config.webhookOrigins)) {
    msgLog.warn(
      'rejected callback: sessionWebhook is not a /robot/sendBySession URL on DINGTALK_WEBHOOK_ORIGINS',
    );
    return jsonResponse(400, { error: 'sessionWebhook not allowed' });
  }
  if (Math.abs(callback.createAt - deps.clock()) > MAX_CREATE_AT_SKEW_MS) {
    msgLog.warn('rejected callback: createAt is more than a day away from the clock');
    return jsonResponse(400, { error: 'createAt out of range' });
  }

  const job = Buffer.from(JSON.stringify(toReplyJob(callback)), 'utf8');
  if (job.length > MAX_JOB_BYTES) {
    msgLog.warn({ bytes: job.length }, 'rejected callback: too large for an async invocation');
    return jsonResponse(400, { error: 'message too large' });
  }
  msgLog.debug({ text: callback.text?.content }, 'callback text');

  try {
    const outcome = await deps.dispatch(job, callback.msgId, msgLog);
    msgLog.info(
      {
        outcome,
        msgtype: callback.msgtype,
        conversationType: callback.conversationType,
        robot: verdict.secretIndex,
      },
      outcome === 'queued' ? 'reply queued' : 'reply already queued (redelivery)',
    );
    return OK;
  } catch (error) {
    msgLog.error({ error: describeError(error) }, 'could not invoke the reply function');
    return jsonResponse(503, { error: 'reply function unavailable' });
  }
}

/** Field paths and issue codes only: the values may be anything an attacker sent. */
function summariseIssues(error: z.core.$ZodError): string[] {
  return error.issues.slice(0, 10).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`);
}
