import { randomBytes } from 'node:crypto';
import type { Env } from '../../src/config/read-env';
import { readEnv } from '../../src/config/read-env';
import { CARDS_OFF, type ReplyConfig } from '../../src/config/reply-config';
import { type CardFailure, createCardClient, describeCardFailure } from '../../src/dingtalk/card-client';
import {
  BUILT_IN_CARD_TEMPLATE,
  BUILT_IN_CONTENT_KEY,
  DEFAULT_CUSTOM_CONTENT_KEY,
  FLOW_STATUS,
  initialCardParams,
} from '../../src/dingtalk/card-template';
import { createDingTalkHttp } from '../../src/dingtalk/create-dingtalk-http';
import { createOpenApiClient } from '../../src/dingtalk/openapi-client';
import type { CheckResult } from './check-result';

const NAME = 'AI card settings and permissions';
const TEMPLATE_FORM = /^[\w-]+\.schema$/;
const KEY_FORM = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Checks the AI-card settings in use (DingTalk's built-in AI card by default once DINGTALK_APP_KEY is set, a custom
 * DINGTALK_CARD_TEMPLATE_ID with DINGTALK_CARD_CONTENT_KEY, or off) and, per app, the card permissions: it creates
 * a card of that template delivered to nobody (Card.Instance.Write, and the template must exist in the org) and
 * finishes it through the streaming API (Card.Streaming.Write), as the reply function would. Costs three OpenAPI
 * calls per app.
 */
export async function checkCardSettings(env: Env, config: ReplyConfig | undefined): Promise<CheckResult> {
  const setting = readEnv(env, ['DINGTALK_CARD_TEMPLATE_ID'])?.value;
  const hasApp = readEnv(env, ['DINGTALK_APP_KEY']) !== undefined;
  if (setting?.toLowerCase() === CARDS_OFF) {
    return {
      status: 'OK',
      name: NAME,
      detail: 'off: DINGTALK_CARD_TEMPLATE_ID=off, answers go out as markdown',
    };
  }
  if (setting === undefined && !hasApp) {
    return {
      status: 'OK',
      name: NAME,
      detail:
        "off: no DINGTALK_APP_KEY, answers go out as markdown once complete; set DINGTALK_APP_KEY and DINGTALK_APP_SECRET to stream them into DingTalk's built-in AI card",
    };
  }
  const templateId = setting ?? BUILT_IN_CARD_TEMPLATE;
  const builtIn = templateId === BUILT_IN_CARD_TEMPLATE;
  const contentKey = builtIn
    ? BUILT_IN_CONTENT_KEY
    : (readEnv(env, ['DINGTALK_CARD_CONTENT_KEY'])?.value ?? DEFAULT_CUSTOM_CONTENT_KEY);
  const problems: string[] = [];
  if (!TEMPLATE_FORM.test(templateId)) {
    problems.push(
      "DINGTALK_CARD_TEMPLATE_ID must be a template id ending in .schema (copy it from 开发者后台 → 卡片平台 → 我的模板), or off; unset uses DingTalk's built-in AI card",
    );
  }
  if (!KEY_FORM.test(contentKey)) {
    problems.push(
      "DINGTALK_CARD_CONTENT_KEY must be the name of the template's markdown variable (letters, digits, _)",
    );
  }
  if (!hasApp) problems.push("AI cards need DINGTALK_APP_KEY and DINGTALK_APP_SECRET of the robot's app");
  if (problems.length > 0) return { status: 'FAIL', name: NAME, detail: problems.join('; ') };
  if (config === undefined) {
    return { status: 'SKIP', name: NAME, detail: 'cannot run without a valid reply environment (see above)' };
  }
  const http = createDingTalkHttp(15_000);
  const cards = createCardClient(
    createOpenApiClient({ http, apiBase: config.dingtalkApiBase, clock: Date.now }),
  );
  for (const app of config.dingtalkApps) {
    const outTrackId = `doctor-probe-${randomBytes(8).toString('hex')}`;
    const created = await cards.create(app, {
      outTrackId,
      templateId,
      params: initialCardParams(templateId, contentKey, FLOW_STATUS.finished),
    });
    const streamed = created.ok
      ? await cards.stream(app, {
          outTrackId,
          key: contentKey,
          content: '',
          isFinalize: true,
          isError: false,
        })
      : created;
    if (!streamed.ok) {
      const step = created.ok ? 'streaming into it' : 'creating a card';
      return { status: 'FAIL', name: NAME, detail: `app ${app.appKey}, ${step}: ${explain(streamed)}` };
    }
  }
  return {
    status: 'OK',
    name: NAME,
    detail: `${builtIn ? "DingTalk's built-in AI card" : 'template'} ${templateId}, key ${contentKey}: Card.Instance.Write and Card.Streaming.Write granted (probed with a card delivered to nobody)`,
  };
}

function explain(failure: CardFailure): string {
  const fix =
    failure.kind === 'qps' ||
    failure.kind === 'server' ||
    failure.kind === 'unreachable' ||
    failure.kind === 'timeout'
      ? '; run the doctor again in a minute'
      : failure.kind === 'quota'
        ? '; answers fall back to markdown until the quota resets or is raised'
        : '';
  return `${describeCardFailure(failure)}${fix}`;
}
