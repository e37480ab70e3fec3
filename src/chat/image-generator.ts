import OpenAI from 'openai';
import type { Logger } from '../ports';
import type { AzureSettings } from './create-openai-client';
import { createOpenAIClient, describeHost } from './create-openai-client';

/** Why no image came back; 'no-image-model' means the provider has no such model (the user is told so). */
export type ImageUnavailableReason = 'no-image-model' | 'rejected' | 'unavailable' | 'timeout';

/** Image generation gave nothing to show; the message carries only a status and code, never the prompt or key. */
export class ImageUnavailable extends Error {
  readonly reason: ImageUnavailableReason;
  readonly status: number | undefined;

  constructor(reason: ImageUnavailableReason, detail: string, status?: number) {
    super(`image API ${reason}: ${detail}`);
    this.name = 'ImageUnavailable';
    this.reason = reason;
    this.status = status;
  }
}

/** One generated image: a link the chat can show as is, or the bytes, which must be uploaded first. */
export type GeneratedImage = { kind: 'url'; url: string } | { kind: 'b64'; png: Buffer };

/** Makes one image per prompt through the images API of the configured provider. */
export interface ImageGenerator {
  generate(prompt: string, log: Logger): Promise<GeneratedImage>;
}

/** Options of the image generator; with `azure`, `model` names the image model's deployment. */
export interface ImageGeneratorOptions {
  apiKey: string;
  baseURL: string;
  model: string;
  azure?: AzureSettings;
  proxyUrl?: string;
  timeoutMs: number;
}

// Providers say "no such model" in many ways: OpenAI 404 model_not_found, Azure 404 DeploymentNotFound,
// DashScope 400 "Model not exist", vLLM/Ollama 404 for the whole path.
const NO_MODEL_CODES = new Set(['model_not_found', 'DeploymentNotFound', 'ModelNotFound', 'invalid_model']);
const NO_MODEL_PATTERN =
  /model[^.]{0,80}(does not exist|not exist|not found|not supported|unknown)|unknown model|invalid model|no such model/i;

/** Creates the generator once per instance; the SDK's retries are off, one try must fit in `timeoutMs`. */
export function createImageGenerator(options: ImageGeneratorOptions): ImageGenerator {
  const client = options.azure
    ? createOpenAIClient({ kind: 'azure', azure: options.azure, deployment: options.model }, options.proxyUrl)
    : createOpenAIClient(
        { kind: 'openai', baseURL: options.baseURL, apiKey: options.apiKey },
        options.proxyUrl,
      );
  const endpoint = describeHost(options.azure?.endpoint ?? options.baseURL);

  return {
    async generate(prompt, log) {
      const started = performance.now();
      let response: OpenAI.ImagesResponse;
      try {
        // No response_format: gpt-image-1 refuses it and always answers in base64; DALL·E answers with a URL.
        response = await client.images.generate(
          { model: options.model, prompt, n: 1, size: '1024x1024' },
          { timeout: options.timeoutMs, maxRetries: 0 },
        );
      } catch (error) {
        const failure = classifyImageError(error);
        log.warn(
          { endpoint, model: options.model, reason: failure.reason, status: failure.status },
          'image API call failed',
        );
        throw failure;
      }
      const image = pickImage(response);
      const latencyMs = Math.round(performance.now() - started);
      if (!image) {
        log.warn({ endpoint, model: options.model, latencyMs }, 'image API answered without an image');
        throw new ImageUnavailable('unavailable', 'no image in the answer');
      }
      // The URL is a signed link: it goes to the chat, never to the log.
      const size = image.kind === 'b64' ? { bytes: image.png.length } : {};
      log.info({ endpoint, model: options.model, kind: image.kind, latencyMs, ...size }, 'image generated');
      return image;
    },
  };
}

/** The first image of the answer: its https URL if there is one, else its decoded base64 bytes. */
function pickImage(response: OpenAI.ImagesResponse): GeneratedImage | undefined {
  const first = response.data?.[0];
  if (!first) return undefined;
  // DingTalk renders remote images only over https; anything else is not worth posting.
  if (first.url && isHttpsUrl(first.url)) return { kind: 'url', url: first.url };
  if (first.b64_json) {
    const png = Buffer.from(first.b64_json, 'base64');
    if (png.length > 0) return { kind: 'b64', png };
  }
  return undefined;
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

/** Maps an openai SDK error to an ImageUnavailable that is safe to log. */
export function classifyImageError(error: unknown): ImageUnavailable {
  if (error instanceof OpenAI.APIConnectionTimeoutError)
    return new ImageUnavailable('timeout', 'no answer in time');
  if (error instanceof OpenAI.APIConnectionError)
    return new ImageUnavailable('unavailable', 'connection failed');
  if (!(error instanceof OpenAI.APIError))
    return new ImageUnavailable('unavailable', 'unexpected client error');
  const status = error.status;
  const code = typeof error.code === 'string' ? error.code : '';
  const detail = `HTTP ${status ?? '?'}${code ? ` ${code}` : ''}`;
  if (status === 404 || NO_MODEL_CODES.has(code) || NO_MODEL_PATTERN.test(error.message))
    return new ImageUnavailable('no-image-model', detail, status);
  if (status === 408) return new ImageUnavailable('timeout', detail, status);
  if (status === 401 || status === 403 || status === 429 || (status !== undefined && status >= 500))
    return new ImageUnavailable('unavailable', detail, status);
  // 400s: content policy, prompt too long, an unsupported size.
  return new ImageUnavailable('rejected', detail, status);
}
