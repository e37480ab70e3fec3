import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the stand-in does with one request; unscripted requests get the default answer. */
export type ChatStep =
  | { kind: 'answer'; text: string; delayMs?: number; reasoning?: string }
  | { kind: 'error'; status: number; code?: string; message?: string; headers?: Record<string, string> }
  | {
      /** Streamed on a streaming request; a non-streaming one gets the whole text after the same generation time. */
      kind: 'stream';
      text: string;
      /** Delay before the first content token (default 0). */
      firstTokenMs?: number;
      /** Tokens per second after the first one (default: as fast as possible). */
      tokensPerSecond?: number;
      /** Characters per token (default 4). */
      charsPerToken?: number;
      /** Reasoning deltas (reasoning_content) sent before the answer, as thinking models do. */
      reasoning?: string;
      /** Drop the connection after this many characters of the answer. */
      failAfterChars?: number;
    }
  | { kind: 'hang' }
  | { kind: 'reset' };

/** An image a request carried (an OpenAI image_url part with a data: URL), decoded. */
export interface RecordedImage {
  mime: string;
  bytes: Buffer;
}

export interface RecordedChatRequest {
  model: string;
  /** Each message's text (the text parts of a multi-part message, joined) and its images, in order. */
  messages: Array<{ role: string; content: string; images?: RecordedImage[] }>;
  stream: boolean;
  at: number;
  /** Set when the request came by the Azure OpenAI deployment path. */
  azure?: { deployment: string; apiVersion: string };
  /** Time the stand-in spent on this request, arrival to the end of its response (ms; set once it ended). */
  durationMs?: number;
  /** The completion limit the request asked for (max_tokens), if any. */
  maxTokens?: number;
  /** The client closed the connection before the response was complete (a stopped stream). */
  aborted?: boolean;
}

/** What the stand-in does with one image generation request; unscripted requests get `defaultImage`. */
export type ImageStep =
  | { kind: 'url'; url?: string }
  | { kind: 'b64'; png?: Buffer }
  /** Also the way to say "no such image model": status 404, code 'model_not_found'. */
  | { kind: 'error'; status: number; code?: string; message?: string }
  | { kind: 'hang' };

/** An image generation request the stand-in accepted. */
export interface RecordedImageRequest {
  model: string;
  prompt: string;
  n: number;
  size: string | undefined;
  responseFormat: string | undefined;
  azure?: { deployment: string; apiVersion: string };
  at: number;
}

/** A loopback stand-in for an OpenAI-compatible chat completions API. */
export interface ChatApi {
  /** Base URL including /v1, as OPENAI_BASE_URL. */
  baseUrl: string;
  /** The resource endpoint without /openai, as AZURE_OPENAI_ENDPOINT (served when `azure` is set). */
  azureEndpoint: string;
  requests: RecordedChatRequest[];
  imageRequests: RecordedImageRequest[];
  rejected: Array<{ status: number; reason: string }>;
  /** Queues behaviours for the next requests, in order. */
  script(...steps: ChatStep[]): void;
  /** Queues behaviours for the next image generation requests, in order. */
  scriptImages(...steps: ImageStep[]): void;
  close(): Promise<void>;
}

/** A 1×1 PNG, the image an unscripted b64 answer carries. */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** The default answer: deterministic, and showing how much context the request carried. */
export function defaultAnswer(question: string, priorTurns: number): string {
  return `回答（上下文 ${priorTurns} 轮）：${question}`;
}

/** Options of the chat API emulator. */
export interface ChatApiOptions {
  apiKey: string;
  /** The answer to an unscripted request (default: {@link defaultAnswer}). */
  answer?: (messages: RecordedChatRequest['messages']) => string;
  /** Pause between streamed chunks, so streaming is visible (default 0). */
  chunkDelayMs?: number;
  /**
   * Also serve Azure OpenAI's deployment paths, /openai/deployments/{deployment}/…?api-version=…, which take the
   * key in an `api-key` header (default key: `apiKey`).
   */
  azure?: { deployments: string[]; apiKey?: string; apiVersions?: string[] };
  /** Models the images endpoint knows; others get 404 model_not_found (default: any model). */
  imageModels?: string[];
  /** Chat models that take image input; a request with images to any other gets OpenAI's 400 (default: any). */
  visionModels?: string[];
  /** The answer to an unscripted image request (default 'url'). */
  defaultImage?: 'url' | 'b64';
}

/** Starts the emulator; it checks the bearer key, the path and the request shape as the real API would. */
export async function startChatApi(options: ChatApiOptions): Promise<ChatApi> {
  const requests: RecordedChatRequest[] = [];
  const rejected: ChatApi['rejected'] = [];
  const steps: ChatStep[] = [];
  const hanging = new Set<ServerResponse>();

  const imageSteps: ImageStep[] = [];
  const imageRequests: RecordedImageRequest[] = [];

  const fail = (res: ServerResponse, status: number, reason: string, code = 'invalid_request_error') => {
    rejected.push({ status, reason });
    sendJson(res, status, { error: { message: reason, type: code, code } });
  };
  // Azure's own error shape: { error: { code, message } }, the code a string such as "401" or "DeploymentNotFound".
  const failAzure = (res: ServerResponse, status: number, code: string, reason: string) => {
    rejected.push({ status, reason });
    sendJson(res, status, { error: { code, message: reason } });
  };

  const server = createServer(async (req, res) => {
    const arrived = performance.now();
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const azurePath = AZURE_PATH.exec(url.pathname);
    if (req.method === 'POST' && azurePath && options.azure) {
      const [, deployment = '', operation] = azurePath;
      const apiVersion = url.searchParams.get('api-version');
      // Without a known api-version Azure cannot route the request at all.
      if (!apiVersion || (options.azure.apiVersions && !options.azure.apiVersions.includes(apiVersion)))
        return failAzure(res, 404, '404', 'Resource not found');
      if (req.headers['api-key'] !== (options.azure.apiKey ?? options.apiKey)) {
        return failAzure(
          res,
          401,
          '401',
          'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
        );
      }
      if (!options.azure.deployments.includes(decodeURIComponent(deployment))) {
        return failAzure(
          res,
          404,
          'DeploymentNotFound',
          'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
        );
      }
      const azure = { deployment: decodeURIComponent(deployment), apiVersion };
      if (operation === 'images/generations') return generateImage(res, body, azure);
      return completeChat(req, res, body, arrived, azure);
    }
    const route = `${req.method} ${url.pathname}`;
    if (route !== 'POST /v1/chat/completions' && route !== 'POST /v1/images/generations')
      return fail(res, 404, 'unknown path');
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return fail(res, 401, 'Incorrect API key provided', 'invalid_api_key');
    }
    if (route === 'POST /v1/images/generations') return generateImage(res, body);
    return completeChat(req, res, body, arrived);
  });

  async function generateImage(
    res: ServerResponse,
    body: string,
    azure?: RecordedImageRequest['azure'],
  ): Promise<void> {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(body);
    } catch {
      return fail(res, 400, 'body is not JSON');
    }
    const model = azure?.deployment ?? parsed.model;
    if (typeof model !== 'string' || model === '') return fail(res, 400, "'model' is required");
    if (typeof parsed.prompt !== 'string' || parsed.prompt.trim() === '')
      return fail(res, 400, "'prompt' is a required property");
    if (parsed.prompt.length > 32_000)
      return fail(res, 400, "'prompt' is too long", 'string_above_max_length');
    const n = parsed.n ?? 1;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 10)
      return fail(res, 400, "'n' must be an integer from 1 to 10", 'integer_out_of_range');
    if (parsed.size !== undefined && !IMAGE_SIZES.has(String(parsed.size)))
      return fail(res, 400, `Invalid value for 'size': ${String(parsed.size)}`, 'invalid_value');
    if (parsed.response_format !== undefined && !['url', 'b64_json'].includes(String(parsed.response_format)))
      return fail(res, 400, "Invalid value for 'response_format'", 'invalid_value');
    if (!azure && options.imageModels && !options.imageModels.includes(model)) {
      return fail(
        res,
        404,
        `The model \`${model}\` does not exist or you do not have access to it.`,
        'model_not_found',
      );
    }
    imageRequests.push({
      model,
      prompt: parsed.prompt,
      n,
      size: typeof parsed.size === 'string' ? parsed.size : undefined,
      responseFormat: typeof parsed.response_format === 'string' ? parsed.response_format : undefined,
      ...(azure ? { azure } : {}),
      at: Date.now(),
    });
    const step: ImageStep = imageSteps.shift() ?? { kind: options.defaultImage ?? 'url' };
    switch (step.kind) {
      case 'hang':
        hanging.add(res);
        return;
      case 'error':
        rejected.push({ status: step.status, reason: step.message ?? 'error' });
        return sendJson(res, step.status, {
          error: { message: step.message ?? 'error', type: 'invalid_request_error', code: step.code ?? null },
        });
      case 'url':
      case 'b64': {
        // An explicit response_format wins, as with DALL·E; otherwise the scripted (or default) kind decides.
        const wantsB64 = parsed.response_format ? parsed.response_format === 'b64_json' : step.kind === 'b64';
        const png = step.kind === 'b64' ? (step.png ?? TINY_PNG) : TINY_PNG;
        const link =
          step.kind === 'url' && step.url ? step.url : `https://images.stand-in.invalid/${randomUUID()}.png`;
        const data = Array.from({ length: n }, () =>
          wantsB64 ? { b64_json: png.toString('base64') } : { url: link, revised_prompt: parsed.prompt },
        );
        return sendJson(res, 200, { created: Math.floor(Date.now() / 1000), data });
      }
    }
  }

  async function completeChat(
    req: IncomingMessage,
    res: ServerResponse,
    body: string,
    arrived: number,
    azure?: RecordedChatRequest['azure'],
  ): Promise<void> {
    let parsed: { model?: unknown; messages?: unknown; stream?: unknown; max_tokens?: unknown };
    try {
      parsed = JSON.parse(body);
    } catch {
      return fail(res, 400, 'body is not JSON');
    }
    // Azure takes the model from the deployment path; a model in the body is ignored.
    if (azure) parsed.model = azure.deployment;
    const messages = Array.isArray(parsed.messages) ? parsed.messages.map(readMessage) : [];
    const valid =
      typeof parsed.model === 'string' && messages.length > 0 && messages.every((m) => m !== undefined);
    if (!valid) return fail(res, 400, 'model and a non-empty messages array of {role, content} are required');
    const hasImages = messages.some((m) => (m?.images?.length ?? 0) > 0);
    if (hasImages && options.visionModels && !options.visionModels.includes(parsed.model as string)) {
      return fail(res, 400, 'Invalid content type. image_url is only supported by certain models.');
    }
    const maxTokens = parsed.max_tokens;
    if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && (maxTokens as number) >= 1))
      return fail(
        res,
        400,
        "Invalid 'max_tokens': expected an integer of at least 1",
        'integer_below_min_value',
      );
    const typed = messages as RecordedChatRequest['messages'];
    if (typed.some((m) => m.images?.some((image) => image.mime === ''))) {
      return fail(res, 400, "Invalid 'image_url': expected a data: URL of a PNG, JPEG, GIF or WEBP image");
    }
    const recorded: RecordedChatRequest = {
      model: parsed.model as string,
      messages: typed,
      stream: parsed.stream === true,
      at: Date.now(),
      ...(azure ? { azure } : {}),
      ...(maxTokens === undefined ? {} : { maxTokens: maxTokens as number }),
    };
    requests.push(recorded);
    const stamp = () => {
      recorded.durationMs ??= performance.now() - arrived;
    };
    res.once('finish', stamp).once('close', () => {
      if (!res.writableFinished) recorded.aborted = true;
      stamp();
    });

    const step = steps.shift() ?? {
      kind: 'answer',
      text: options.answer
        ? options.answer(typed)
        : defaultAnswer(typed.at(-1)?.content ?? '', typed.filter((m) => m.role === 'assistant').length),
    };
    switch (step.kind) {
      case 'hang':
        hanging.add(res);
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'error':
        res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
        res.end(
          JSON.stringify({
            error: { message: step.message ?? 'error', type: 'api_error', code: step.code ?? null },
          }),
        );
        return;
      case 'stream':
        if (parsed.stream !== true) return answerAfterGeneration(res, parsed.model as string, step, req);
        return streamAnswer(res, parsed.model as string, step, req);
      case 'answer':
        if (step.delayMs) await new Promise((resolve) => setTimeout(resolve, step.delayMs));
        if (parsed.stream === true) {
          const delay = options.chunkDelayMs ?? 0;
          return streamAnswer(
            res,
            parsed.model as string,
            { kind: 'stream', text: step.text, ...(delay ? { tokensPerSecond: 1000 / delay } : {}) },
            req,
          );
        }
        return sendJson(res, 200, completion(parsed.model as string, step.text, step.reasoning));
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    azureEndpoint: `http://127.0.0.1:${port}`,
    requests,
    imageRequests,
    rejected,
    script: (...more) => {
      steps.push(...more);
    },
    scriptImages: (...more) => {
      imageSteps.push(...more);
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * One message as OpenAI validates it: a role, and non-empty string content, or (for user messages) an array of
 * text and image_url parts. Undefined when it is not valid.
 */
function readMessage(value: unknown): RecordedChatRequest['messages'][number] | undefined {
  const m = value as { role?: unknown; content?: unknown } | null;
  if (!m || typeof m.role !== 'string' || !['system', 'user', 'assistant'].includes(m.role)) return undefined;
  if (typeof m.content === 'string') return m.content ? { role: m.role, content: m.content } : undefined;
  if (m.role !== 'user' || !Array.isArray(m.content) || m.content.length === 0) return undefined;
  const texts: string[] = [];
  const images: RecordedImage[] = [];
  for (const part of m.content as Array<Record<string, unknown>>) {
    if (part?.type === 'text' && typeof part.text === 'string') texts.push(part.text);
    else if (part?.type === 'image_url') {
      const url = (part.image_url as { url?: unknown } | undefined)?.url;
      const match =
        typeof url === 'string'
          ? /^data:(image\/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/=]+)$/.exec(url)
          : null;
      images.push(
        match
          ? { mime: match[1] as string, bytes: Buffer.from(match[2] as string, 'base64') }
          : { mime: '', bytes: Buffer.alloc(0) },
      );
    } else return undefined;
  }
  return { role: m.role, content: texts.join(''), ...(images.length > 0 ? { images } : {}) };
}

const AZURE_PATH = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|images\/generations)$/;
// dall-e-2, dall-e-3 and gpt-image-1 sizes together.
const IMAGE_SIZES = new Set([
  '256x256',
  '512x512',
  '1024x1024',
  '1792x1024',
  '1024x1792',
  '1536x1024',
  '1024x1536',
  'auto',
]);

/** A whole chat completion as the non-streaming API returns it. */
function completion(model: string, text: string, reasoning?: string, completionTokens = text.length): object {
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text, ...(reasoning ? { reasoning_content: reasoning } : {}) },
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 10, completion_tokens: completionTokens, total_tokens: 10 + completionTokens },
  };
}

/**
 * A scripted stream asked for without `stream: true`: a real model still generates token by token, so the
 * whole answer comes as one completion when the stream's last token would have been sent.
 */
async function answerAfterGeneration(
  res: ServerResponse,
  model: string,
  step: Extract<ChatStep, { kind: 'stream' }>,
  req: IncomingMessage,
): Promise<void> {
  const size = step.charsPerToken ?? 4;
  const tokens = Math.ceil(step.text.length / size);
  // A scripted failure drops the connection where the stream would have stopped.
  const failing = step.failAfterChars !== undefined;
  const generated = failing ? Math.min(tokens, Math.ceil((step.failAfterChars ?? 0) / size) + 1) : tokens;
  const gapMs = step.tokensPerSecond ? 1000 / step.tokensPerSecond : 0;
  const generationMs = (step.firstTokenMs ?? 0) + Math.max(0, generated - 1) * gapMs;
  if (generationMs > 0) await new Promise((resolve) => setTimeout(resolve, generationMs));
  if (failing || req.socket.destroyed) {
    req.socket.destroy();
    return;
  }
  sendJson(res, 200, completion(model, step.text, step.reasoning, tokens));
}

/** Server-sent events as OpenAI's streaming API sends them, on a scripted clock. */
async function streamAnswer(
  res: ServerResponse,
  model: string,
  step: Extract<ChatStep, { kind: 'stream' }>,
  req: IncomingMessage,
): Promise<void> {
  const sleep = (ms: number) =>
    ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (delta: object, finish: string | null, usage?: object) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-stream', object: 'chat.completion.chunk', created: 0, model, choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;
  const size = step.charsPerToken ?? 4;
  const pieces = (text: string) => text.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) ?? [];
  const gapMs = step.tokensPerSecond ? 1000 / step.tokensPerSecond : 0;
  const started = Date.now();
  res.write(chunk({ role: 'assistant', content: '' }, null));
  for (const piece of pieces(step.reasoning ?? '')) res.write(chunk({ reasoning_content: piece }, null));
  await sleep(step.firstTokenMs ?? 0);
  let sent = 0;
  for (const [index, piece] of pieces(step.text).entries()) {
    if (req.socket.destroyed) return;
    if (step.failAfterChars !== undefined && sent >= step.failAfterChars) {
      req.socket.destroy();
      return;
    }
    // Scheduled against the start, so timer drift does not slow the scripted rate down.
    await sleep((step.firstTokenMs ?? 0) + index * gapMs - (Date.now() - started));
    res.write(chunk({ content: piece }, null));
    sent += piece.length;
  }
  res.write(chunk({}, 'stop'));
  res.write(
    chunk({}, null, {
      prompt_tokens: 10,
      completion_tokens: Math.ceil(step.text.length / size),
      total_tokens: 10 + Math.ceil(step.text.length / size),
    }),
  );
  res.end('data: [DONE]\n\n');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
