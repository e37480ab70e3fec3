import type { CardSpace } from './card-space';
import {
  type CallContext,
  type DingTalkApp,
  type OpenApiAnswer,
  type OpenApiClient,
  type OpenApiRequest,
  readErrorCode,
} from './openapi-client';
import type { SendFailure } from './post-to-webhook';

/** Why a card call failed, as far as the fix goes. */
export type CardFailureKind =
  | 'permission'
  | 'qps'
  | 'quota'
  | 'setting'
  | 'server'
  | 'token'
  | 'unreachable'
  | 'timeout'
  | 'rejected';

/** A failed card call; every field is safe to log (codes and names, never URLs or tokens). */
export interface CardFailure {
  ok: false;
  kind: CardFailureKind;
  /** Worth another try later: a rate limit, a 5xx, the network. */
  retryable: boolean;
  /** Short machine-readable reason, e.g. card_403. */
  reason: string;
  /** DingTalk's error code, e.g. Forbidden.AccessDenied.AccessTokenPermissionDenied. */
  code?: string;
  /** The missing permission(s), from accessdenieddetail.requiredScopes. */
  scope?: string;
  /** The variable to fix. */
  setting?: string;
  /** DingTalk's own words for a failed delivery, shortened. */
  detail?: string;
}

/** Outcome of one card call. */
export type CardOutcome = { ok: true } | CardFailure;

/** A streaming update of the card's markdown variable (always the full text: isFull). */
export interface CardStreamUpdate {
  outTrackId: string;
  key: string;
  content: string;
  isFinalize: boolean;
  isError: boolean;
}

/** The AI-card OpenAPI calls (dingtalk.md §8.1), each a single attempt. */
export interface CardClient {
  /** Creates a card with these variables (e.g. initialCardParams) and delivers it to the chat in one call. */
  createAndDeliver(
    app: DingTalkApp,
    card: { outTrackId: string; templateId: string; params: Record<string, string>; space: CardSpace },
    context?: CallContext,
  ): Promise<CardOutcome>;
  /** Creates a card instance without delivering it anywhere (nobody sees it): the doctor's permission probe. */
  create(
    app: DingTalkApp,
    card: { outTrackId: string; templateId: string; params: Record<string, string> },
    context?: CallContext,
  ): Promise<CardOutcome>;
  /** PUT /v1.0/card/streaming: replaces the variable's text; isFinalize ends the streaming. */
  stream(app: DingTalkApp, update: CardStreamUpdate, context?: CallContext): Promise<CardOutcome>;
  /** PUT /v1.0/card/instances: sets the given variables (others are kept), e.g. flowStatus "3". */
  updateInstance(
    app: DingTalkApp,
    update: { outTrackId: string; params: Record<string, string> },
    context?: CallContext,
  ): Promise<CardOutcome>;
}

const PERMISSION_DENIED = 'Forbidden.AccessDenied.AccessTokenPermissionDenied';
// The legacy oapi shape of "the organisation's monthly API quota is used up".
const QUOTA_ERRCODE = 90020;
const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi;

/**
 * Creates the card client on top of the OpenAPI client (which owns the access token). `pace` is awaited before
 * every card call: the reply function shares one per instance, to stay under DingTalk's card QPS.
 */
export function createCardClient(openApi: OpenApiClient, pace?: () => Promise<void>): CardClient {
  async function call(
    app: DingTalkApp,
    method: OpenApiRequest['method'],
    path: string,
    body: unknown,
    context: CallContext | undefined,
  ): Promise<{ outcome: CardOutcome; answer?: OpenApiAnswer }> {
    await pace?.();
    const answer = await openApi.request(app, { method, path, body, kind: 'card', reason: 'card' }, context);
    if (answer.status !== 'answered') return { outcome: classifyRequestFailure(answer) };
    return { outcome: classifyCardAnswer(answer), answer };
  }

  return {
    async createAndDeliver(app, card, context) {
      const body = {
        cardTemplateId: card.templateId,
        outTrackId: card.outTrackId,
        cardData: { cardParamMap: card.params },
        callbackType: 'STREAM',
        imGroupOpenSpaceModel: { supportForward: true },
        imRobotOpenSpaceModel: { supportForward: true },
        openSpaceId: card.space.openSpaceId,
        userIdType: 1,
        ...card.space.deliverModel,
      };
      const { outcome, answer } = await call(
        app,
        'POST',
        '/v1.0/card/instances/createAndDeliver',
        body,
        context,
      );
      return outcome.ok ? checkDelivered(answer?.body) : outcome;
    },
    async create(app, card, context) {
      const body = {
        cardTemplateId: card.templateId,
        outTrackId: card.outTrackId,
        cardData: { cardParamMap: card.params },
        callbackType: 'STREAM',
        imGroupOpenSpaceModel: { supportForward: true },
        imRobotOpenSpaceModel: { supportForward: true },
      };
      return (await call(app, 'POST', '/v1.0/card/instances', body, context)).outcome;
    },
    async stream(app, update, context) {
      const body = { ...update, guid: crypto.randomUUID(), isFull: true };
      return (await call(app, 'PUT', '/v1.0/card/streaming', body, context)).outcome;
    },
    async updateInstance(app, update, context) {
      const body = {
        outTrackId: update.outTrackId,
        cardData: { cardParamMap: update.params },
        cardUpdateOptions: { updateCardDataByKey: true },
      };
      return (await call(app, 'PUT', '/v1.0/card/instances', body, context)).outcome;
    },
  };
}

/** Classifies DingTalk's answer to a card call by status and error code (dingtalk.md §5, §8.1). */
export function classifyCardAnswer(answer: OpenApiAnswer): CardOutcome {
  const { httpStatus, body } = answer;
  const code = readErrorCode(body);
  const fail = (
    kind: CardFailureKind,
    retryable: boolean,
    extra: Partial<CardFailure> = {},
  ): CardFailure => ({
    ok: false,
    kind,
    retryable,
    reason: `card_${httpStatus}`,
    ...(code === undefined ? {} : { code }),
    ...extra,
  });
  const errcode = readLegacyErrcode(body);
  // The monthly quota, in either shape (dingtalk.md §5): checked first, since it comes as a 403 or even a 200.
  if (/ApiCountLimit|Quota/i.test(code ?? '') || errcode === QUOTA_ERRCODE)
    return fail('quota', false, errcode === QUOTA_ERRCODE ? { code: String(errcode) } : {});
  if (httpStatus >= 200 && httpStatus <= 299) {
    if (errcode !== undefined && errcode !== 0)
      return fail('rejected', false, { reason: 'card_errcode', code: String(errcode) });
    return body?.success === false
      ? fail('rejected', false, { reason: 'card_not_successful' })
      : { ok: true };
  }
  // QpsLimit comes as a 403 (dingtalk.md §5), so it is checked before the permission codes.
  if (httpStatus === 429 || /QpsLimit|Throttling/i.test(code ?? '')) return fail('qps', true);
  if (code === PERMISSION_DENIED || (httpStatus === 403 && code?.startsWith('Forbidden.AccessDenied'))) {
    const scope = readRequiredScopes(body);
    return fail('permission', false, scope === undefined ? {} : { scope });
  }
  if (httpStatus === 401) return fail('token', false, { setting: 'DINGTALK_APP_KEY / DINGTALK_APP_SECRET' });
  if (httpStatus >= 500) return fail('server', true);
  if (/template/i.test(code ?? '')) return fail('setting', false, { setting: 'DINGTALK_CARD_TEMPLATE_ID' });
  if (/(^|\.)key(\.|$)/i.test(code ?? ''))
    return fail('setting', false, { setting: 'DINGTALK_CARD_CONTENT_KEY' });
  return fail('rejected', false);
}

/** One sentence naming what to fix, safe to log. */
export function describeCardFailure(failure: CardFailure): string {
  const code = failure.code === undefined ? '' : ` ${failure.code}`;
  switch (failure.kind) {
    case 'permission':
      return `the app lacks the permission ${failure.scope ?? '(DingTalk did not say which)'}: grant it in 开发者后台 → 权限管理, then publish a new version`;
    case 'qps':
      return `DingTalk's card API rate limit was hit (${failure.code ?? 'HTTP 429'})`;
    case 'quota':
      return `the organisation's monthly DingTalk API call quota is used up (${failure.code ?? failure.reason}): raise it in 开发者后台 → 资源管理 (or wait for next month); answers go out as markdown meanwhile`;
    case 'setting':
      return `DingTalk rejected ${failure.setting} (${failure.reason}${code})`;
    case 'server':
      return failure.code === 'unknownError'
        ? `DingTalk answered ${failure.reason} unknownError, which it also does when Card.Instance.Write or Card.Streaming.Write is not granted`
        : `DingTalk answered ${failure.reason}${code}`;
    case 'token':
      return `no access token (${failure.reason}${code}): check DINGTALK_APP_KEY / DINGTALK_APP_SECRET`;
    case 'unreachable':
    case 'timeout':
      return `DingTalk did not answer (${failure.reason})`;
    default:
      return `DingTalk refused the card call (${failure.reason}${code}${failure.detail === undefined ? '' : `: ${failure.detail}`})`;
  }
}

function classifyRequestFailure(failure: SendFailure): CardFailure {
  const code = failure.detail === undefined ? {} : { code: failure.detail };
  if (failure.reason.startsWith('openapi_token')) {
    return {
      ok: false,
      kind: 'token',
      retryable: failure.status === 'transient',
      reason: failure.reason,
      ...code,
    };
  }
  if (failure.status === 'transient')
    return { ok: false, kind: 'unreachable', retryable: true, reason: failure.reason };
  // A timeout may have reached DingTalk; the callers decide whether repeating is harmless.
  if (failure.status === 'unknown')
    return { ok: false, kind: 'timeout', retryable: true, reason: failure.reason };
  return { ok: false, kind: 'rejected', retryable: false, reason: failure.reason };
}

/** createAndDeliver answers 200 even when the delivery failed: every deliverResults[].success must be true. */
function checkDelivered(body: Record<string, unknown> | undefined): CardOutcome {
  const result = body?.result as { deliverResults?: unknown } | undefined;
  const results = Array.isArray(result?.deliverResults) ? (result.deliverResults as unknown[]) : [];
  const failed = results.find((item) => (item as { success?: unknown } | null)?.success !== true);
  if (results.length > 0 && failed === undefined) return { ok: true };
  const message = (failed as { errorMsg?: unknown } | undefined)?.errorMsg;
  const detail =
    typeof message === 'string' ? message.replace(URL_PATTERN, '[url]').slice(0, 100) : undefined;
  return {
    ok: false,
    kind: 'rejected',
    retryable: false,
    reason: 'card_not_delivered',
    ...(detail === undefined ? {} : { detail }),
  };
}

/** The legacy oapi `errcode`, when the body has one. */
function readLegacyErrcode(body: Record<string, unknown> | undefined): number | undefined {
  const errcode = body?.errcode;
  return typeof errcode === 'number' && Number.isInteger(errcode) ? errcode : undefined;
}

function readRequiredScopes(body: Record<string, unknown> | undefined): string | undefined {
  const detail = body?.accessdenieddetail as { requiredScopes?: unknown } | undefined;
  const scopes = Array.isArray(detail?.requiredScopes) ? detail.requiredScopes : [];
  const safe = scopes.filter(
    (scope): scope is string => typeof scope === 'string' && /^[\w.]{1,80}$/.test(scope),
  );
  return safe.length > 0 ? safe.join(', ') : undefined;
}
