import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DingTalkApp } from '../../src/dingtalk/answer-delivery';

// Behaves like DingTalk's session webhook and api.dingtalk.com (dingtalk.md §4, §5, §7, §12): strict enough
// that a wrongly shaped request fails here the way it would fail against the real service.

// biome-ignore lint/suspicious/noExplicitAny: recorded bodies are whatever the client sent; tests inspect them freely.
type Json = any;

/** A message the webhook accepted. */
export interface WebhookPost {
  session: string;
  body: Json;
  bytes: number;
  at: number;
}

/** A message the OpenAPI accepted; `msgParam` is parsed from its JSON string. */
export interface OpenApiMessage {
  kind: 'oto' | 'group';
  body: Json;
  msgParam: Json;
  at: number;
}

/** A file DingTalk media accepted (legacy oapi /media/upload). */
export interface MediaUpload {
  appKey: string;
  type: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
  mediaId: string;
  at: number;
}

/** How the next webhook posts fail: 'reset' destroys the socket before answering, 'hang' never answers. */
export type WebhookFailure =
  | 'http500'
  | 'http429'
  | 'errcode130101'
  | 'errcode302033'
  | 'reset'
  | 'hang'
  | { errcode: number; errmsg: string };

/** HTTP status the next OpenAPI sends fail with, with DingTalk's error body for it. */
export type OpenApiFailure = 403 | 429 | 500;

/** An AI card as DingTalk holds it (dingtalk.md §8.1). */
export interface EmulatedCard {
  outTrackId: string;
  templateId: string;
  /** '' until the card is delivered. */
  openSpaceId: string;
  robotCode: string;
  params: Record<string, string>;
  /** Current value of the streamed variable (`contentKey`). */
  content: string;
  /** The variable streaming writes: the last streaming `key`, else msgContent for DingTalk's built-in AI card, else the emulator's `cardContentKey`. */
  contentKey: string;
  flowStatus: string;
  delivered: boolean;
  /** Ended: by a streaming call with isFinalize, or an instance update to flow status FINISHED or FAILED. */
  finalized: boolean;
  /** Ended with isError, or with flow status FAILED ("5"). */
  error: boolean;
  /** Accepted streaming updates. */
  updates: number;
  /** The staffIds a group card was delivered @-mentioning (imGroupOpenDeliverModel.atUserIds). */
  atUserIds: string[];
  /** Every change of the content, in order (streaming updates, and instance updates that changed it or ended the card). */
  history: Array<{ at: number; content: string; isFinalize: boolean }>;
}

/**
 * How the next card calls fail: 403 a missing permission (`scope`), 'qps' DingTalk's 403 QpsLimit, 429 a
 * throttled call, 500 unknownError, 'quota' the org's monthly API quota (403 ApiCountLimitForOrg, or with
 * `legacy` the oapi shape errcode 90020), 'undelivered' a createAndDeliver whose deliverResults report failure,
 * 'lost' a call that takes effect but whose answer never comes (a timeout).
 */
export type CardFailureKind = 403 | 'qps' | 429 | 500 | 'quota' | 'undelivered' | 'lost';

/**
 * How the next downloads fail: 'forbidden' the app lacks the permission (403), 'unknown-code' DingTalk does not
 * know the code (400), 'gone' the signed URL answers 404, 'hang' the signed URL never answers.
 */
export type DownloadFailureKind = 'forbidden' | 'unknown-code' | 'gone' | 'hang';

/** Which card calls a failure applies to: create (create, deliver, createAndDeliver), streaming, instance (PUT). */
export type CardApi = 'create' | 'streaming' | 'instance';

/** A running stand-in for the session webhook and api.dingtalk.com. */
export interface DingTalkApi {
  /** http://127.0.0.1:<port>; serves both the webhook and the OpenAPI (use it as apiBase). */
  url: string;
  /**
   * A fresh sessionWebhook URL for a conversation, shaped like https://oapi.dingtalk.com/robot/sendBySession?session=<hex>;
   * `session` names it instead of a random id (a stable address to hand to a tool).
   */
  newSessionWebhook(session?: string): string;
  /** Accepted webhook posts, in arrival order. */
  posts: WebhookPost[];
  /** Accepted OpenAPI sends, in arrival order. */
  openApiMessages: OpenApiMessage[];
  /** Every request with the status answered (0: no answer, the socket was reset or left hanging). */
  calls: Array<{ method: string; path: string; status: number }>;
  /** The session expires (errcode 300001) now, or after accepting `afterPosts` more posts. */
  expireSession(webhookUrl: string, options?: { afterPosts?: number }): void;
  /** The next `count` (default 1) webhook posts fail this way. */
  failWebhook(kind: WebhookFailure, count?: number): void;
  /** The next `count` (default 1) OpenAPI send calls fail with this status. */
  failOpenApi(status: OpenApiFailure, count?: number): void;
  /** AI cards created so far, by outTrackId. */
  cards: Map<string, EmulatedCard>;
  /** The next `count` (default 1) card calls (of `api`, default any) fail this way. */
  failCards(
    kind: CardFailureKind,
    count?: number,
    options?: { scope?: 'Card.Instance.Write' | 'Card.Streaming.Write'; api?: CardApi; legacy?: boolean },
  ): void;
  /** Card calls refused with QpsLimit because more than `cardQps` arrived within a second. */
  readonly qpsRejections: number;
  /** Files accepted by POST /media/upload (oapi.dingtalk.com), in arrival order. */
  mediaUploads: MediaUpload[];
  /** Invalidates every issued access token, so the next send gets 401. */
  revokeTokens(): void;
  /**
   * A picture or file a user sent the robot: returns the downloadCode DingTalk puts in the callback. The code
   * works only with the robot that received it (default: the first app) and only for `ttlMs` (default 1 hour).
   */
  receiveFile(bytes: Buffer, options?: { robotCode?: string; ttlMs?: number }): string;
  /** The next `count` (default 1) downloads fail this way (dingtalk.md §10). */
  failDownloads(kind: DownloadFailureKind, count?: number): void;
  /** Successful messageFiles/download calls, in order. */
  downloads: Array<{ robotCode: string; bytes: number; at: number }>;
  /** Access tokens issued so far. */
  readonly tokensIssued: number;
  /** The access tokens themselves (credentials: tests check that none reaches a log). */
  issuedTokens(): string[];
  close(): Promise<void>;
}

/** Options of the DingTalk emulator. */
export interface DingTalkApiOptions {
  apps?: DingTalkApp[];
  tokenTtlSeconds?: number;
  clock?: () => number;
  /** Called for every message DingTalk accepted, as it would show up in the chat. */
  onMessage?: (
    message: { channel: 'webhook'; post: WebhookPost } | { channel: 'openapi'; message: OpenApiMessage },
  ) => void;
  /**
   * Card templates this org has; default: any id ending in .schema. A list given here is all there is, DingTalk's
   * built-in AI card included only if listed (whether every org has it is unverified, dingtalk.md §13).
   */
  cardTemplates?: string[];
  /** The streamed variable of a custom template before any streaming call names it (instance updates); default 'content'. */
  cardContentKey?: string;
  /**
   * Card calls per app accepted within any one second; more are refused with 403 QpsLimit, as DingTalk does
   * (about 40, dingtalk.md §6). Default 40.
   */
  cardQps?: number;
  /** Called after every change of a card with a snapshot of it (the playground renders cards live from it). */
  onCard?: (card: EmulatedCard) => void;
}

type Reply = { status: number; body: object } | { status: number; bytes: Buffer } | 'reset' | 'hang';

const MAX_WEBHOOK_BYTES = 20_000;
const NOT_FOUND: Reply = { status: 404, body: { code: 'InvalidAction.NotFound', message: '接口不存在' } };
const MSG_KEYS = new Set([
  'sampleText',
  'sampleMarkdown',
  'sampleImageMsg',
  'sampleLink',
  'sampleActionCard',
]);
const UNAUTHORIZED: Reply = {
  status: 401,
  body: { code: 'InvalidAuthentication', message: '不合法的access_token' },
};
const CARD_ROUTES: Record<string, CardApi> = {
  'POST /v1.0/card/instances': 'create',
  'POST /v1.0/card/instances/deliver': 'create',
  'POST /v1.0/card/instances/createAndDeliver': 'create',
  'PUT /v1.0/card/streaming': 'streaming',
  'PUT /v1.0/card/instances': 'instance',
};
const OUT_TRACK_ID = /^[A-Za-z0-9_.-]{1,128}$/;
// DingTalk's built-in AI card (dingtalk.md §8.1): any org may use it; its streaming markdown variable is msgContent.
const BUILT_IN_TEMPLATE = '382e4302-551d-4880-bf29-a30acfab2e71.schema';
const BUILT_IN_STREAMING_KEYS = ['msgContent'];
const ENDED_FLOW_STATUS: Record<string, 'finished' | 'failed'> = { '3': 'finished', '5': 'failed' };
const OPEN_SPACE_ID = /^dtv1\.card\/\/(IM_ROBOT|IM_GROUP)\.([^;]+)$/;
const OPENAPI_FAILURES: Record<OpenApiFailure, object> = {
  403: {
    code: 'Forbidden.AccessDenied.AccessTokenPermissionDenied',
    message: '没有调用该接口的权限',
    accessdenieddetail: { requiredScopes: ['qyapi_robot_sendmsg'] },
  },
  429: { code: 'Throttling.Api', message: '请求被流控' },
  500: { code: 'unknownError', message: '未知错误' },
};

/** Starts the stand-in on an ephemeral 127.0.0.1 port. `clock` drives token expiry (default Date.now). */
export async function startDingTalkApi(options: DingTalkApiOptions = {}): Promise<DingTalkApi> {
  const apps = options.apps ?? [];
  const ttlSeconds = options.tokenTtlSeconds ?? 7200;
  const clock = options.clock ?? Date.now;
  const sessions = new Map<string, { postsLeft: number }>();
  const tokens = new Map<string, { appKey: string; expiresAt: number }>();
  const webhookFailures: WebhookFailure[] = [];
  const openApiFailures: OpenApiFailure[] = [];
  const posts: WebhookPost[] = [];
  const openApiMessages: OpenApiMessage[] = [];
  const calls: DingTalkApi['calls'] = [];
  const cards = new Map<string, EmulatedCard>();
  const cardFailures: Array<{ kind: CardFailureKind; scope?: string; api?: CardApi; legacy?: boolean }> = [];
  const cardQps = options.cardQps ?? 40;
  // Per app: when its recently accepted card calls arrived (performance.now(), not the injectable clock).
  const cardArrivals = new Map<string, number[]>();
  let qpsRejections = 0;
  const mediaUploads: MediaUpload[] = [];
  let tokensIssued = 0;
  const receivedFiles = new Map<string, { bytes: Buffer; robotCode: string; expiresAt: number }>();
  const downloadLinks = new Map<string, { code: string; expiresAt: number }>();
  const downloadFailures: DownloadFailureKind[] = [];
  const downloads: DingTalkApi['downloads'] = [];
  const issued: string[] = [];

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
    const reply = path === '/media/upload' ? await uploadMedia(req, raw) : route(req, raw);
    calls.push({ method: req.method ?? '', path, status: typeof reply === 'string' ? 0 : reply.status });
    if (reply === 'reset') req.socket.destroy();
    if (typeof reply === 'string') return;
    if ('bytes' in reply) {
      res.writeHead(reply.status, { 'Content-Type': 'application/octet-stream' }).end(reply.bytes);
      return;
    }
    res
      .writeHead(reply.status, { 'Content-Type': 'application/json;charset=utf-8' })
      .end(JSON.stringify(reply.body));
  }

  function route(req: IncomingMessage, raw: Buffer): Reply {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const json = /application\/json/i.test(req.headers['content-type'] ?? '');
    if (url.pathname === '/robot/sendBySession') return receiveWebhook(req, url, raw, json);
    const cardApi = CARD_ROUTES[`${req.method} ${url.pathname}`];
    if (cardApi !== undefined) {
      if (!json)
        return {
          status: 400,
          body: { code: 'InvalidContentType', message: 'Content-Type 必须是 application/json' },
        };
      return handleCard(cardApi, url.pathname, req, parseJson(raw));
    }
    if (req.method === 'GET' && url.pathname.startsWith('/files/')) return serveFile(url);
    if (req.method !== 'POST' || !url.pathname.startsWith('/v1.0/')) return NOT_FOUND;
    if (!json)
      return {
        status: 400,
        body: { code: 'InvalidContentType', message: 'Content-Type 必须是 application/json' },
      };
    if (url.pathname === '/v1.0/oauth2/accessToken') return issueToken(parseJson(raw));
    if (url.pathname === '/v1.0/robot/oToMessages/batchSend')
      return sendRobotMessage('oto', req, parseJson(raw));
    if (url.pathname === '/v1.0/robot/groupMessages/send')
      return sendRobotMessage('group', req, parseJson(raw));
    if (url.pathname === '/v1.0/robot/messageFiles/download') return resolveDownload(req, parseJson(raw));
    return NOT_FOUND;
  }

  /** POST /v1.0/robot/messageFiles/download {downloadCode, robotCode} → {downloadUrl}, a short-lived signed URL. */
  function resolveDownload(req: IncomingMessage, body: Json): Reply {
    const tokenAppKey = checkToken(req);
    if (tokenAppKey === undefined) return UNAUTHORIZED;
    if (downloadFailures[0] === 'forbidden' || downloadFailures[0] === 'unknown-code') {
      const failure = downloadFailures.shift();
      return failure === 'forbidden'
        ? {
            status: 403,
            body: {
              code: 'Forbidden.AccessDenied.AccessTokenPermissionDenied',
              message: '没有调用该接口的权限',
              accessdenieddetail: { requiredScopes: ['qyapi_robot_sendmsg'] },
            },
          }
        : {
            status: 400,
            body: { code: 'invalidParameter.downloadCode.invalid', message: 'downloadCode无效' },
          };
    }
    if (!isFilledString(body?.downloadCode))
      return {
        status: 400,
        body: { code: 'invalidParameter.downloadCode.empty', message: '缺少参数 downloadCode' },
      };
    if (!isFilledString(body?.robotCode) || body.robotCode !== tokenAppKey)
      return { status: 400, body: { code: 'invalidParameter.robotCode.invalid', message: 'robotCode无效' } };
    const file = receivedFiles.get(body.downloadCode);
    if (file === undefined || file.robotCode !== body.robotCode)
      return {
        status: 400,
        body: { code: 'invalidParameter.downloadCode.invalid', message: 'downloadCode无效' },
      };
    if (clock() >= file.expiresAt)
      return {
        status: 400,
        body: { code: 'invalidParameter.downloadCode.expired', message: 'downloadCode已过期' },
      };
    const link = randomBytes(12).toString('hex');
    const expiresAt = clock() + 300_000;
    downloadLinks.set(link, { code: body.downloadCode, expiresAt });
    downloads.push({ robotCode: body.robotCode, bytes: file.bytes.length, at: clock() });
    const signature = randomBytes(16).toString('base64url');
    return {
      status: 200,
      body: {
        downloadUrl: `${url}/files/${link}?Expires=${Math.floor(expiresAt / 1000)}&Signature=${signature}`,
      },
    };
  }

  /** GET of a signed download URL: the bytes, or OSS-style refusals. */
  function serveFile(request: URL): Reply {
    if (downloadFailures[0] === 'gone' || downloadFailures[0] === 'hang') {
      return downloadFailures.shift() === 'hang' ? 'hang' : { status: 404, body: { code: 'NoSuchKey' } };
    }
    const link = downloadLinks.get(request.pathname.slice('/files/'.length));
    if (link === undefined || !request.searchParams.get('Signature'))
      return { status: 403, body: { code: 'AccessDenied' } };
    if (clock() >= link.expiresAt)
      return { status: 403, body: { code: 'AccessDenied', message: 'Request has expired' } };
    const file = receivedFiles.get(link.code);
    return file === undefined
      ? { status: 404, body: { code: 'NoSuchKey' } }
      : { status: 200, bytes: file.bytes };
  }

  function receiveWebhook(req: IncomingMessage, url: URL, raw: Buffer, json: boolean): Reply {
    const failure = webhookFailures.shift();
    if (failure !== undefined) return webhookFailure(failure);
    if (req.method !== 'POST') return errcode(43002, '需要POST请求');
    const sessionId = url.searchParams.get('session') ?? '';
    const session = sessions.get(sessionId);
    if (session === undefined || session.postsLeft <= 0) return errcode(300001, 'session 不存在');
    if (!json) return errcode(43004, '无效的HTTP HEADER Content-Type');
    if (raw.length > MAX_WEBHOOK_BYTES) return errcode(460101, 'message too long, exceed 20000 bytes');
    const body = parseJson(raw);
    const problem = checkWebhookMessage(body);
    if (problem !== undefined) return errcode(40035, `缺少参数 ${problem}`);
    session.postsLeft -= 1;
    const post: WebhookPost = { session: sessionId, body, bytes: raw.length, at: clock() };
    posts.push(post);
    options.onMessage?.({ channel: 'webhook', post });
    return errcode(0, 'ok');
  }

  /**
   * Legacy oapi.dingtalk.com media upload: the access token (new and legacy tokens are interchangeable) in the
   * query, multipart fields `type` and `media`. Like the other legacy APIs it answers HTTP 200 with an errcode.
   */
  async function uploadMedia(req: IncomingMessage, raw: Buffer): Promise<Reply> {
    if (req.method !== 'POST') return errcode(43002, '需要POST请求');
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const token = tokens.get(url.searchParams.get('access_token') ?? '');
    if (token === undefined) return errcode(40014, '不合法的access_token');
    if (clock() >= token.expiresAt) return errcode(42001, 'access_token超时');
    const contentType = req.headers['content-type'] ?? '';
    if (!/^multipart\/form-data;.*boundary=/i.test(contentType)) return errcode(40035, '缺少参数 media');
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
    } catch {
      return errcode(40035, '缺少参数 media');
    }
    // Older docs put `type` in the query string, newer ones in the form: both are accepted.
    const type = form.get('type') ?? url.searchParams.get('type');
    if (typeof type !== 'string' || !MEDIA_TYPES.has(type)) return errcode(40004, '不合法的媒体文件类型');
    const media = form.get('media');
    if (media === null || typeof media === 'string') return errcode(40035, '缺少参数 media');
    const bytes = Buffer.from(await media.arrayBuffer());
    if (bytes.length === 0 || bytes.length > MAX_MEDIA_BYTES) return errcode(40006, '不合法的文件大小');
    if (type === 'image' && imageFormat(bytes) === undefined) return errcode(40005, '不合法的文件类型');
    const mediaId = `@lADP${randomBytes(18).toString('base64url')}`;
    mediaUploads.push({
      appKey: token.appKey,
      type,
      filename: media.name,
      contentType: media.type,
      bytes,
      mediaId,
      at: clock(),
    });
    return { status: 200, body: { errcode: 0, errmsg: 'ok', media_id: mediaId, created_at: clock(), type } };
  }

  function issueToken(body: Json): Reply {
    if (typeof body?.appKey !== 'string' || typeof body?.appSecret !== 'string') {
      return { status: 400, body: { code: 'MissingParameter', message: '缺少参数 appKey 或 appSecret' } };
    }
    const app = apps.find((candidate) => candidate.appKey === body.appKey);
    if (app === undefined)
      return { status: 400, body: { code: 'invalidClientId', message: '无效的clientId' } };
    if (app.appSecret !== body.appSecret) {
      return { status: 401, body: { code: 'invalidClientSecret', message: '无效的clientSecret' } };
    }
    const accessToken = randomBytes(16).toString('hex');
    tokens.set(accessToken, { appKey: app.appKey, expiresAt: clock() + ttlSeconds * 1000 });
    issued.push(accessToken);
    tokensIssued += 1;
    return { status: 200, body: { accessToken, expireIn: ttlSeconds } };
  }

  function sendRobotMessage(kind: 'oto' | 'group', req: IncomingMessage, body: Json): Reply {
    const appKey = checkToken(req);
    if (appKey === undefined) return UNAUTHORIZED;
    const failure = openApiFailures.shift();
    if (failure !== undefined) return { status: failure, body: OPENAPI_FAILURES[failure] };
    const problem = checkRobotMessage(kind, body, appKey);
    if (problem !== undefined)
      return { status: 400, body: { code: problem, message: `参数错误: ${problem}` } };
    const message: OpenApiMessage = { kind, body, msgParam: JSON.parse(body.msgParam), at: clock() };
    openApiMessages.push(message);
    options.onMessage?.({ channel: 'openapi', message });
    const processQueryKey = randomBytes(12).toString('base64');
    const extra = kind === 'oto' ? { invalidStaffIdList: [], flowControlledStaffIdList: [] } : {};
    return { status: 200, body: { processQueryKey, ...extra } };
  }

  function handleCard(api: CardApi, path: string, req: IncomingMessage, body: Json): Reply {
    const appKey = checkToken(req);
    if (appKey === undefined) return UNAUTHORIZED;
    if (overCardQps(appKey)) {
      qpsRejections += 1;
      return cardFailure({ kind: 'qps' }, api);
    }
    const index = cardFailures.findIndex((failure) => failure.api === undefined || failure.api === api);
    const failure = index < 0 ? undefined : cardFailures.splice(index, 1)[0];
    if (failure?.kind === 'lost') {
      applyCard(api, path, appKey, body, true);
      return 'hang';
    }
    if (failure !== undefined && failure.kind !== 'undelivered') return cardFailure(failure, api);
    return applyCard(api, path, appKey, body, failure === undefined);
  }

  /** Records a card call of `appKey` unless a second's worth has already arrived. */
  function overCardQps(appKey: string): boolean {
    const now = performance.now();
    const recent = (cardArrivals.get(appKey) ?? []).filter((at) => now - at < 1000);
    const over = recent.length >= cardQps;
    if (!over) recent.push(now);
    cardArrivals.set(appKey, recent);
    return over;
  }

  function applyCard(api: CardApi, path: string, appKey: string, body: Json, deliverable: boolean): Reply {
    if (!isRecord(body)) return badCard('invalidParameter.body.invalid');
    if (path === '/v1.0/card/streaming') return streamCard(body);
    if (api === 'instance') return updateCardInstance(body);
    const create = path !== '/v1.0/card/instances/deliver';
    const deliver = path !== '/v1.0/card/instances';
    const problem =
      (create ? checkCardCreate(body, cards, options.cardTemplates) : checkKnownCard(body, cards)) ??
      (deliver ? checkCardDeliver(body, appKey) : undefined);
    if (problem !== undefined) return badCard(problem);
    const card: EmulatedCard = create
      ? {
          outTrackId: body.outTrackId,
          templateId: body.cardTemplateId,
          openSpaceId: '',
          robotCode: appKey,
          params: { ...body.cardData.cardParamMap },
          content: '',
          contentKey:
            body.cardTemplateId === BUILT_IN_TEMPLATE ? 'msgContent' : (options.cardContentKey ?? 'content'),
          flowStatus: '',
          delivered: false,
          finalized: false,
          error: false,
          updates: 0,
          atUserIds: [],
          history: [],
        }
      : (cards.get(body.outTrackId) as EmulatedCard);
    card.content = card.params[card.contentKey] ?? '';
    card.flowStatus = card.params.flowStatus ?? '';
    cards.set(card.outTrackId, card);
    if (!deliver) {
      notifyCard(card);
      return { status: 200, body: { success: true, result: card.outTrackId } };
    }
    const [, spaceType = '', spaceId = ''] = OPEN_SPACE_ID.exec(body.openSpaceId) ?? [];
    const success = deliverable;
    if (success) {
      card.openSpaceId = body.openSpaceId;
      card.delivered = true;
      const model = body.imGroupOpenDeliverModel ?? body.imRobotOpenDeliverModel;
      if (isFilledString(model?.robotCode)) card.robotCode = model.robotCode;
      const mentioned = body.imGroupOpenDeliverModel?.atUserIds;
      if (isRecord(mentioned)) card.atUserIds = Object.keys(mentioned);
    }
    notifyCard(card);
    const deliverResult = {
      spaceType,
      spaceId,
      success,
      ...(success ? {} : { errorMsg: '机器人不在该会话中' }),
    };
    const result = create
      ? { outTrackId: card.outTrackId, deliverResults: [deliverResult] }
      : [deliverResult];
    return { status: 200, body: { success: true, result } };
  }

  function streamCard(body: Json): Reply {
    const card = cards.get(body.outTrackId);
    if (card === undefined) return badCard('invalidParameter.outTrackId.notExist');
    if (!isFilledString(body.guid)) return badCard('invalidParameter.guid.empty');
    const streamable =
      card.templateId === BUILT_IN_TEMPLATE ? BUILT_IN_STREAMING_KEYS : Object.keys(card.params);
    if (typeof body.key !== 'string' || !streamable.includes(body.key))
      return badCard('invalidParameter.key.notExist');
    if (typeof body.content !== 'string') return badCard('invalidParameter.content.invalid');
    for (const flag of ['isFull', 'isFinalize']) {
      if (typeof body[flag] !== 'boolean') return badCard(`invalidParameter.${flag}.invalid`);
    }
    if (body.isError !== undefined && typeof body.isError !== 'boolean')
      return badCard('invalidParameter.isError.invalid');
    if (card.finalized) return badCard('card.streaming.alreadyFinalized');
    card.contentKey = body.key;
    card.content = body.isFull ? body.content : card.content + body.content;
    card.params[body.key] = card.content;
    card.finalized = body.isFinalize;
    card.error = body.isError ?? false;
    card.updates += 1;
    card.history.push({ at: clock(), content: card.content, isFinalize: body.isFinalize });
    notifyCard(card);
    return { status: 200, body: { success: true, result: true } };
  }

  function updateCardInstance(body: Json): Reply {
    const problem = checkKnownCard(body, cards) ?? checkParamMap(body.cardData);
    if (problem !== undefined) return badCard(problem);
    const byKey = body.cardUpdateOptions?.updateCardDataByKey;
    if (byKey !== undefined && typeof byKey !== 'boolean')
      return badCard('invalidParameter.cardUpdateOptions.invalid');
    const card = cards.get(body.outTrackId) as EmulatedCard;
    // Without updateCardDataByKey the map replaces the card's data as a whole.
    card.params = byKey
      ? { ...card.params, ...body.cardData.cardParamMap }
      : { ...body.cardData.cardParamMap };
    const content = card.params[card.contentKey] ?? '';
    const ended = ENDED_FLOW_STATUS[body.cardData.cardParamMap.flowStatus ?? ''];
    if (content !== card.content || ended !== undefined)
      card.history.push({ at: clock(), content, isFinalize: ended !== undefined });
    card.content = content;
    card.flowStatus = card.params.flowStatus ?? '';
    if (ended !== undefined) {
      // The card stops streaming and shows its text as it is now (DingTalk's SDK ends AI cards this way).
      card.finalized = true;
      card.error = ended === 'failed';
    }
    notifyCard(card);
    return { status: 200, body: { success: true, result: true } };
  }

  /** A snapshot, so that a listener keeping it sees the card as it was at this change. */
  function notifyCard(card: EmulatedCard): void {
    options.onCard?.(structuredClone(card));
  }

  /** The app of a valid, unexpired access token in the request, or undefined. */
  function checkToken(req: IncomingMessage): string | undefined {
    const header = req.headers['x-acs-dingtalk-access-token'];
    const token = typeof header === 'string' ? tokens.get(header) : undefined;
    return token === undefined || clock() >= token.expiresAt ? undefined : token.appKey;
  }

  function checkCardDeliver(body: Json, tokenAppKey: string): string | undefined {
    const match = typeof body.openSpaceId === 'string' ? OPEN_SPACE_ID.exec(body.openSpaceId) : null;
    if (match === null) return 'invalidParameter.openSpaceId.invalid';
    if (body.userIdType !== undefined && body.userIdType !== 1 && body.userIdType !== 2)
      return 'invalidParameter.userIdType.invalid';
    const [, spaceType, spaceId = ''] = match;
    const model = spaceType === 'IM_GROUP' ? body.imGroupOpenDeliverModel : body.imRobotOpenDeliverModel;
    if (!isRecord(model))
      return `invalidParameter.${spaceType === 'IM_GROUP' ? 'imGroupOpenDeliverModel' : 'imRobotOpenDeliverModel'}.empty`;
    if (model.robotCode !== undefined) {
      if (!apps.some((app) => app.appKey === model.robotCode) || model.robotCode !== tokenAppKey)
        return 'invalidParameter.robotCode.invalid';
    }
    if (spaceType === 'IM_GROUP') {
      if (!spaceId.startsWith('cid')) return 'invalidParameter.openConversationId.invalid';
      if (!isFilledString(model.robotCode)) return 'invalidParameter.robotCode.empty';
      const at = model.atUserIds;
      if (at !== undefined && !(isRecord(at) && Object.values(at).every((nick) => typeof nick === 'string')))
        return 'invalidParameter.atUserIds.invalid';
    } else if (model.spaceType !== 'IM_ROBOT') {
      return 'invalidParameter.spaceType.invalid';
    }
    return undefined;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    posts,
    openApiMessages,
    calls,
    cards,
    mediaUploads,
    get tokensIssued() {
      return tokensIssued;
    },
    issuedTokens: () => [...issued],
    newSessionWebhook(session = randomBytes(16).toString('hex')) {
      sessions.set(session, { postsLeft: Number.POSITIVE_INFINITY });
      return `${url}/robot/sendBySession?session=${session}`;
    },
    expireSession(webhookUrl, expiry = {}) {
      const session = sessions.get(new URL(webhookUrl).searchParams.get('session') ?? '');
      if (session === undefined) throw new Error('expireSession: not a session of this stand-in');
      session.postsLeft = expiry.afterPosts ?? 0;
    },
    failWebhook(kind, count = 1) {
      for (let i = 0; i < count; i++) webhookFailures.push(kind);
    },
    failOpenApi(status, count = 1) {
      for (let i = 0; i < count; i++) openApiFailures.push(status);
    },
    failCards(kind, count = 1, failure = {}) {
      // A failed delivery can only be the answer to a delivering call.
      const api = kind === 'undelivered' ? 'create' : failure.api;
      for (let i = 0; i < count; i++) cardFailures.push({ kind, ...failure, ...(api ? { api } : {}) });
    },
    downloads,
    receiveFile(bytes, fileOptions = {}) {
      // Shaped like DingTalk's: long, opaque, base64 with + / and =.
      const code = randomBytes(120).toString('base64');
      const robotCode = fileOptions.robotCode ?? apps[0]?.appKey ?? '';
      receivedFiles.set(code, { bytes, robotCode, expiresAt: clock() + (fileOptions.ttlMs ?? 3_600_000) });
      return code;
    },
    failDownloads(kind, count = 1) {
      for (let i = 0; i < count; i += 1) downloadFailures.push(kind);
    },
    get qpsRejections() {
      return qpsRejections;
    },
    revokeTokens() {
      tokens.clear();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

const MEDIA_TYPES = new Set(['image', 'voice', 'video', 'file']);
const MAX_MEDIA_BYTES = 20 * 1024 * 1024;

/** jpg, png, gif or bmp by their magic bytes: the image formats DingTalk media takes. */
function imageFormat(bytes: Buffer): string | undefined {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpg';
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'gif';
  if (bytes.subarray(0, 2).toString('latin1') === 'BM') return 'bmp';
  return undefined;
}

function errcode(code: number, errmsg: string): Reply {
  // The webhook answers HTTP 200 for failures too (dingtalk.md §4.4).
  return { status: 200, body: { errcode: code, errmsg } };
}

function webhookFailure(failure: WebhookFailure): Reply {
  if (failure === 'reset' || failure === 'hang') return failure;
  if (failure === 'http500') return { status: 500, body: { message: 'Internal Server Error' } };
  if (failure === 'http429') return { status: 429, body: { message: 'Too Many Requests' } };
  if (failure === 'errcode130101') return errcode(130101, 'send too fast, exceed 20 times per minute');
  if (failure === 'errcode302033') return errcode(302033, 'send too fast');
  return errcode(failure.errcode, failure.errmsg);
}

function badCard(code: string): Reply {
  return { status: 400, body: { code, message: `参数错误: ${code}` } };
}

// Quota: the code is DingTalk's (dingtalk.com help "API调用量超过限额后,是否会有超额提示": errcode 90020 /
// Forbidden.AccessDenied.ApiCountLimitForOrg); the HTTP status 403 and the message wording are guesses.
function cardFailure(
  failure: { kind: CardFailureKind; scope?: string; legacy?: boolean },
  api: CardApi,
): Reply {
  const requestid = randomBytes(8).toString('hex');
  switch (failure.kind) {
    case 403: {
      const scope = failure.scope ?? (api === 'streaming' ? 'Card.Streaming.Write' : 'Card.Instance.Write');
      return {
        status: 403,
        body: {
          code: 'Forbidden.AccessDenied.AccessTokenPermissionDenied',
          message: `没有调用该接口的权限，接口权限申请参考：${scope}`,
          requestid,
          accessdenieddetail: { requiredScopes: [scope] },
        },
      };
    }
    case 'qps':
      return { status: 403, body: { code: 'QpsLimit', message: '请求QPS超过限制', requestid } };
    case 429:
      return { status: 429, body: { code: 'Throttling.Api', message: '请求被流控', requestid } };
    case 'quota':
      if (failure.legacy)
        return {
          status: 200,
          body: { errcode: 90020, errmsg: '您的企业本月api调用量已超过限制', requestid },
        };
      return {
        status: 403,
        body: {
          code: 'Forbidden.AccessDenied.ApiCountLimitForOrg',
          message: '您的企业本月api调用量已超过限制，请登录开发者后台-资源管理-查看用量明细',
          requestid,
        },
      };
    default:
      return { status: 500, body: { code: 'unknownError', message: '未知错误', requestid } };
  }
}

/** DingTalk's error code for a malformed card creation, or undefined. */
function checkCardCreate(
  body: Json,
  cards: Map<string, EmulatedCard>,
  templates: string[] | undefined,
): string | undefined {
  const template = body.cardTemplateId;
  if (!isFilledString(template) || !template.endsWith('.schema'))
    return 'invalidParameter.cardTemplateId.invalid';
  if (templates !== undefined && !templates.includes(template))
    return 'invalidParameter.cardTemplateId.notExist';
  if (!isFilledString(body.outTrackId) || !OUT_TRACK_ID.test(body.outTrackId))
    return 'invalidParameter.outTrackId.invalid';
  if (cards.has(body.outTrackId)) return 'invalidParameter.outTrackId.duplicated';
  const paramProblem = checkParamMap(body.cardData);
  if (paramProblem !== undefined) return paramProblem;
  if (template === BUILT_IN_TEMPLATE) {
    const layout = body.cardData.cardParamMap.sys_full_json_obj;
    if (layout !== undefined && !isRecord(parseJson(Buffer.from(layout))))
      return 'invalidParameter.cardParamMap.invalid';
  }
  if (body.callbackType !== undefined) {
    if (body.callbackType !== 'STREAM' && body.callbackType !== 'HTTP')
      return 'invalidParameter.callbackType.invalid';
    if (body.callbackType === 'HTTP' && !isFilledString(body.callbackRouteKey))
      return 'invalidParameter.callbackRouteKey.empty';
  }
  for (const model of ['imGroupOpenSpaceModel', 'imRobotOpenSpaceModel']) {
    if (body[model] !== undefined && !isRecord(body[model])) return `invalidParameter.${model}.invalid`;
  }
  return undefined;
}

function checkKnownCard(body: Json, cards: Map<string, EmulatedCard>): string | undefined {
  return typeof body.outTrackId === 'string' && cards.has(body.outTrackId)
    ? undefined
    : 'invalidParameter.outTrackId.notExist';
}

/** cardData.cardParamMap must map names to strings: objects are JSON-stringified by the caller (dingtalk.md §8.1). */
function checkParamMap(cardData: Json): string | undefined {
  const map = isRecord(cardData) ? cardData.cardParamMap : undefined;
  if (!isRecord(map)) return 'invalidParameter.cardData.empty';
  return Object.values(map).every((value) => typeof value === 'string')
    ? undefined
    : 'invalidParameter.cardParamMap.invalid';
}

/** The field that is missing or malformed in a webhook message, like DingTalk's "缺少参数 …". */
function checkWebhookMessage(body: Json): string | undefined {
  if (!isRecord(body)) return 'json';
  if (body.msgtype === 'text') {
    if (!isRecord(body.text) || !isFilledString(body.text.content)) return 'text.content';
  } else if (body.msgtype === 'markdown') {
    if (!isRecord(body.markdown)) return 'markdown';
    if (!isFilledString(body.markdown.title)) return 'markdown.title';
    if (!isFilledString(body.markdown.text)) return 'markdown.text';
  } else {
    return 'msgtype';
  }
  if (body.at === undefined) return undefined;
  if (!isRecord(body.at)) return 'at';
  for (const key of ['atUserIds', 'atMobiles', 'atDingtalkIds']) {
    const list = body.at[key];
    if (list !== undefined && !(Array.isArray(list) && list.every((id) => typeof id === 'string')))
      return `at.${key}`;
  }
  if (body.at.isAtAll !== undefined && typeof body.at.isAtAll !== 'boolean') return 'at.isAtAll';
  return undefined;
}

/** DingTalk's error code for a malformed robot send, or undefined when the request is acceptable. */
function checkRobotMessage(kind: 'oto' | 'group', body: Json, tokenAppKey: string): string | undefined {
  if (!isRecord(body)) return 'invalidParameter.body.invalid';
  if (!isFilledString(body.robotCode)) return 'invalidParameter.robotCode.empty';
  // A token only speaks for its own app's robot.
  if (body.robotCode !== tokenAppKey) return 'invalidParameter.robotCode.invalid';
  if (!isFilledString(body.msgKey) || !MSG_KEYS.has(body.msgKey)) return 'invalidParameter.msgKey.invalid';
  if (!isValidMsgParam(body.msgKey, body.msgParam)) return 'invalidParameter.msgParam.invalid';
  if (kind === 'oto') {
    const ids = body.userIds;
    if (!Array.isArray(ids) || ids.length === 0) return 'invalidParameter.userIds.empty';
    if (ids.length > 20 || !ids.every(isFilledString)) return 'invalidParameter.userIds.invalid';
  } else if (!isFilledString(body.openConversationId) || !body.openConversationId.startsWith('cid')) {
    return 'invalidParameter.openConversationId.invalid';
  }
  return undefined;
}

/** msgParam must be a JSON string (not an object) carrying the fields of its msgKey. */
function isValidMsgParam(msgKey: string, msgParam: unknown): boolean {
  if (typeof msgParam !== 'string') return false;
  const param = parseJson(Buffer.from(msgParam));
  if (!isRecord(param)) return false;
  if (msgKey === 'sampleMarkdown') return isFilledString(param.title) && isFilledString(param.text);
  if (msgKey === 'sampleText') return isFilledString(param.content);
  return true;
}

function isRecord(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFilledString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function parseJson(raw: Buffer): Json {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
