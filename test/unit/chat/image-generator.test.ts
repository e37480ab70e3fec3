import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatApi } from '../../../scripts/emulators/chat-api';
import { startChatApi, TINY_PNG } from '../../../scripts/emulators/chat-api';
import { createImageGenerator, ImageUnavailable } from '../../../src/chat/image-generator';
import { captureLogger } from '../../helpers/capture-logger';

const KEY = 'sk-image-secret-123';
const AZURE_KEY = 'azure-image-secret-456';
const PROMPT = '一只在钉钉上开会的猫';
let api: ChatApi;

beforeAll(async () => {
  api = await startChatApi({
    apiKey: KEY,
    imageModels: ['dall-e-3', 'gpt-image-1'],
    azure: { deployments: ['dalle3-prod'], apiKey: AZURE_KEY, apiVersions: ['2024-10-21'] },
  });
});
afterAll(() => api.close());

const generator = (model = 'dall-e-3', timeoutMs = 5000) =>
  createImageGenerator({ apiKey: KEY, baseURL: api.baseUrl, model, timeoutMs });

async function unavailable(promise: Promise<unknown>): Promise<ImageUnavailable> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImageUnavailable);
  return error as ImageUnavailable;
}

describe('createImageGenerator', () => {
  it('asks for one 1024×1024 image and returns the URL the API gives, keeping it and the prompt out of the log', async () => {
    const capture = captureLogger();
    const link = 'https://images.example.com/generated/abc.png?sig=signed-secret';
    api.scriptImages({ kind: 'url', url: link });
    const image = await generator().generate(PROMPT, capture.log);
    expect(image).toEqual({ kind: 'url', url: link });
    expect(api.imageRequests.at(-1)).toMatchObject({
      model: 'dall-e-3',
      prompt: PROMPT,
      n: 1,
      size: '1024x1024',
      responseFormat: undefined,
    });
    expect(capture.lines().find((line) => line.msg === 'image generated')).toMatchObject({ kind: 'url' });
    for (const secret of ['signed-secret', PROMPT, KEY]) expect(capture.raw()).not.toContain(secret);
  });

  it('returns the decoded bytes when the API answers in base64 (gpt-image-1)', async () => {
    api.scriptImages({ kind: 'b64' });
    const image = await generator('gpt-image-1').generate(PROMPT, captureLogger().log);
    expect(image.kind).toBe('b64');
    expect(image.kind === 'b64' && image.png.equals(TINY_PNG)).toBe(true);
  });

  it('a URL that is not https is not worth posting: unavailable', async () => {
    api.scriptImages({ kind: 'url', url: 'http://insecure.example.com/a.png' });
    expect((await unavailable(generator().generate(PROMPT, captureLogger().log))).reason).toBe('unavailable');
  });

  it('a provider without the model answers 404 model_not_found: no-image-model', async () => {
    const failure = await unavailable(generator('deepseek-chat').generate(PROMPT, captureLogger().log));
    expect(failure.reason).toBe('no-image-model');
    expect(failure.status).toBe(404);
    expect(api.rejected.at(-1)?.reason).toContain('deepseek-chat');
  });

  it('"Model not exist" in a 400 (DashScope style) is no-image-model too', async () => {
    api.scriptImages({ kind: 'error', status: 400, code: 'InvalidParameter', message: 'Model not exist.' });
    expect((await unavailable(generator().generate(PROMPT, captureLogger().log))).reason).toBe(
      'no-image-model',
    );
  });

  it.each([
    [{ kind: 'error' as const, status: 500 }, 'unavailable'],
    [{ kind: 'error' as const, status: 429, code: 'rate_limit_exceeded' }, 'unavailable'],
    [
      {
        kind: 'error' as const,
        status: 400,
        code: 'content_policy_violation',
        message: 'Your request was rejected as a result of our safety system.',
      },
      'rejected',
    ],
  ])('%j → %s, with no key in the message or the log', async (step, reason) => {
    const capture = captureLogger();
    api.scriptImages(step);
    const failure = await unavailable(generator().generate(PROMPT, capture.log));
    expect(failure.reason).toBe(reason);
    expect(failure.status).toBe(step.status);
    expect(`${failure.message}${capture.raw()}`).not.toContain(KEY);
  });

  it('no answer within the timeout → timeout', async () => {
    api.scriptImages({ kind: 'hang' });
    expect((await unavailable(generator('dall-e-3', 300).generate(PROMPT, captureLogger().log))).reason).toBe(
      'timeout',
    );
  });

  it('on Azure, IMAGE_MODEL names the deployment: the images path of that deployment, with api-key', async () => {
    const images = createImageGenerator({
      apiKey: 'unused',
      baseURL: 'https://unused.example.com/v1',
      model: 'dalle3-prod',
      azure: {
        endpoint: api.azureEndpoint,
        apiKey: AZURE_KEY,
        deployment: 'gpt-4o-prod',
        apiVersion: '2024-10-21',
      },
      timeoutMs: 5000,
    });
    expect((await images.generate(PROMPT, captureLogger().log)).kind).toBe('url');
    expect(api.imageRequests.at(-1)?.azure).toEqual({ deployment: 'dalle3-prod', apiVersion: '2024-10-21' });
  });
});
