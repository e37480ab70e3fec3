import { createServer, type Server } from 'node:http';
import { afterEach, expect } from 'vitest';
import type { FcInvokeApiOptions } from '../../../scripts/emulators/fc-invoke-api';
import { type FcInvokeApi, startFcInvokeApi } from '../../../scripts/emulators/fc-invoke-api';
import { InvokeError } from '../../../src/platform/invoke-error';
import type { FcCredentials } from '../../../src/platform/invoke-reply';

export const ACCOUNT_ID = '1234567890123456';
export const STATIC_AK: FcCredentials = {
  accessKeyId: 'LTAI5tStaticKeyId',
  accessKeySecret: 'static-secret-Zq9x',
};
export const STS: FcCredentials = {
  accessKeyId: 'STS.NUgYrLnoC37mZZCNnAbez2',
  accessKeySecret: 'sts-secret-Hk2p',
  securityToken: 'CAIS-sts-token-8f3e',
};
export const WEBHOOK = 'https://oapi.dingtalk.com/robot/sendBySession?session=s3cr3t-session';

/** A reply job as conversation sends it, carrying a webhook that must never show up in an error. */
export function payloadFor(msgId: string): Buffer {
  return Buffer.from(JSON.stringify({ msgId, text: '你好', webhook: WEBHOOK }));
}

/** Servers started by a test are closed after it, newest first. */
export function useCleanups(): Array<() => Promise<void>> {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return cleanups;
}

/** The FC invoke emulator, closed after the test. */
export async function startFcApi(
  cleanups: Array<() => Promise<void>>,
  credentials: FcCredentials,
  extra: Omit<FcInvokeApiOptions, 'accountId' | 'credentials'> = {},
): Promise<FcInvokeApi> {
  const api = await startFcInvokeApi({ accountId: ACCOUNT_ID, credentials, ...extra });
  cleanups.push(() => api.close());
  return api;
}

/** A plain HTTP server answering with `handler`, closed after the test; returns its base URL. */
export async function startRawServer(
  cleanups: Array<() => Promise<void>>,
  handler: Parameters<typeof createServer>[1],
): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

/** The InvokeError a failing invoke rejects with. */
export async function invokeError(promise: Promise<unknown>): Promise<InvokeError> {
  const error = await promise.then(
    () => expect.fail('expected the invoke to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvokeError);
  return error as InvokeError;
}

/** Fails if any secret, the webhook or the user text shows up anywhere an error may be logged. */
export function expectLogSafe(error: InvokeError, secrets: string[]): void {
  const rendered = [error.message, String(error), JSON.stringify(error), error.stack ?? ''].join('\n');
  for (const secret of [...secrets, WEBHOOK, 's3cr3t-session', '你好'])
    expect(rendered).not.toContain(secret);
  expect(error.cause).toBeUndefined();
}
