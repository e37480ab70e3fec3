import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_PNG } from '../../../scripts/emulators/chat-api';
import type { DingTalkApi } from '../../../scripts/emulators/dingtalk-api';
import { startDingTalkApi } from '../../../scripts/emulators/dingtalk-api';
import type { TokenCache } from '../../../src/dingtalk/openapi-client';
import { MediaUploadError, uploadImage } from '../../../src/dingtalk/upload-media';
import { captureLogger } from '../../helpers/capture-logger';

const APP = { appKey: 'dingmediaappkey', appSecret: 'media-app-secret-123' };
let api: DingTalkApi;

beforeAll(async () => {
  api = await startDingTalkApi({ apps: [APP] });
});
afterAll(() => api.close());

function memoryTokenCache(): TokenCache & { stored: Map<string, { token: string; expiresAt: number }> } {
  const stored = new Map<string, { token: string; expiresAt: number }>();
  return {
    stored,
    get: async (appKey) => stored.get(appKey),
    put: async (appKey, token, expiresAt) => {
      stored.set(appKey, { token, expiresAt });
    },
  };
}

async function uploadFailure(promise: Promise<unknown>): Promise<MediaUploadError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MediaUploadError);
  return error as MediaUploadError;
}

describe('uploadImage', () => {
  it('posts the PNG as multipart field `media`, type image, with the access token, and returns the media_id', async () => {
    const capture = captureLogger();
    const tokenCache = memoryTokenCache();
    const before = api.mediaUploads.length;
    const mediaId = await uploadImage({
      app: APP,
      oapiBase: api.url,
      apiBase: api.url,
      png: TINY_PNG,
      tokenCache,
      log: capture.log,
    });
    // The stand-in accepts only a valid token in the query, a multipart body, type image and a real image file.
    const upload = api.mediaUploads[before];
    expect(upload).toMatchObject({
      appKey: APP.appKey,
      type: 'image',
      filename: 'image.png',
      contentType: 'image/png',
    });
    expect(upload?.bytes.equals(TINY_PNG)).toBe(true);
    expect(mediaId).toBe(upload?.mediaId);
    expect(mediaId).toMatch(/^@lADP/);
    const token = tokenCache.stored.get(APP.appKey)?.token ?? 'missing';
    expect(capture.raw()).not.toContain(token);
    expect(api.calls.filter((call) => call.path === '/media/upload').at(-1)?.status).toBe(200);
  });

  it('reuses the shared token cache: a second upload fetches no token', async () => {
    const tokenCache = memoryTokenCache();
    const upload = () =>
      uploadImage({ app: APP, oapiBase: api.url, apiBase: api.url, png: TINY_PNG, tokenCache });
    await upload();
    const issued = api.tokensIssued;
    await upload();
    expect(api.tokensIssued).toBe(issued);
  });

  it('a token DingTalk no longer accepts (errcode 40014) is replaced once', async () => {
    const tokenCache = memoryTokenCache();
    await uploadImage({ app: APP, oapiBase: api.url, apiBase: api.url, png: TINY_PNG, tokenCache });
    api.revokeTokens();
    const issued = api.tokensIssued;
    const before = api.mediaUploads.length;
    const mediaId = await uploadImage({
      app: APP,
      oapiBase: api.url,
      apiBase: api.url,
      png: TINY_PNG,
      tokenCache,
    });
    expect(api.tokensIssued).toBe(issued + 1);
    expect(api.mediaUploads.slice(before).map((u) => u.mediaId)).toEqual([mediaId]);
  });

  it('bytes that are no image are refused by DingTalk (errcode 40005)', async () => {
    const failure = await uploadFailure(
      uploadImage({ app: APP, oapiBase: api.url, apiBase: api.url, png: Buffer.from('not an image at all') }),
    );
    expect(failure.reason).toBe('media_upload_refused');
    expect(failure.message).toContain('40005');
  });

  it('a wrong app secret fails at the token, without the secret in the message', async () => {
    const failure = await uploadFailure(
      uploadImage({
        app: { appKey: APP.appKey, appSecret: 'wrong-secret-456' },
        oapiBase: api.url,
        apiBase: api.url,
        png: TINY_PNG,
      }),
    );
    expect(failure.reason).toMatch(/^openapi_token/);
    expect(failure.message).not.toContain('wrong-secret-456');
  });

  it('an unreachable media API fails with a reason that carries no URL or token', async () => {
    const tokenCache = memoryTokenCache();
    const failure = await uploadFailure(
      uploadImage({ app: APP, oapiBase: 'http://127.0.0.1:9', apiBase: api.url, png: TINY_PNG, tokenCache }),
    );
    expect(failure.reason).toBe('media_upload_unreachable');
    const token = tokenCache.stored.get(APP.appKey)?.token ?? 'missing';
    expect(failure.message).not.toContain(token);
    expect(failure.message).not.toMatch(/access_token|http:/);
    expect(failure.cause).toBeUndefined();
  });

  it('an empty image is refused before any call', async () => {
    const calls = api.calls.length;
    const failure = await uploadFailure(
      uploadImage({ app: APP, oapiBase: api.url, apiBase: api.url, png: Buffer.alloc(0) }),
    );
    expect(failure.reason).toBe('media_upload_bad_size');
    expect(api.calls.length).toBe(calls);
  });
});
