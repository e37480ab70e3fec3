import { createHash } from 'node:crypto';
import type { TokenCache } from '../dingtalk/openapi-client';
import type { Clock } from '../ports';
import { readJsonFile } from './read-json-file';
import type { Volume } from './volume';

// Layout: `tokens/<sha256(appKey) hex, 32 chars>.json` holding {"accessToken":"…","expiresAt":ms}. The file
// holds a 2-hour credential, so the directory must be the private history bucket, never a public one. The last
// writer wins: concurrent instances write equally valid tokens.
/** DingTalk access tokens on the history volume, so a cold instance can skip the token call. */
export function createFileTokenCache(options: { volume: Volume; clock: Clock }): TokenCache {
  const { volume, clock } = options;
  const fileOf = (appKey: string) =>
    `tokens/${createHash('sha256').update(appKey).digest('hex').slice(0, 32)}.json`;

  return {
    async get(appKey) {
      // A torn file (a concurrent writer, or a crash mid-write: writes are not atomic on the OSS mount) reads
      // as unreadable and is simply ignored, like a missing or expired one.
      const result = await readJsonFile(volume, fileOf(appKey));
      if (result.status !== 'ok') return undefined;
      const { accessToken, expiresAt } = (result.value ?? {}) as {
        accessToken?: unknown;
        expiresAt?: unknown;
      };
      if (typeof accessToken !== 'string' || accessToken === '' || typeof expiresAt !== 'number')
        return undefined;
      return expiresAt > clock() ? { token: accessToken, expiresAt } : undefined;
    },
    async put(appKey, token, expiresAt) {
      await volume.write(fileOf(appKey), JSON.stringify({ accessToken: token, expiresAt }), { mode: 0o600 });
    },
  };
}
