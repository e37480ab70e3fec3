import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TokenCache } from '../dingtalk/openapi-client';
import type { Clock } from '../ports';
import { hasErrorCode } from './has-error-code';
import { writeFileNoFollow } from './no-follow-file';
import { readJsonFile } from './read-json-file';

// Layout: `<dir>/tokens/<sha256(appKey) hex, 32 chars>.json` holding {"accessToken":"…","expiresAt":ms}. The file
// holds a 2-hour credential, so the directory must be the private history bucket, never a public one.
/** DingTalk access tokens on the history volume, so a cold instance can skip the token call. */
export function createFileTokenCache(options: { dir: string; clock: Clock }): TokenCache {
  const { clock } = options;
  const tokensDir = join(options.dir, 'tokens');
  const fileOf = (appKey: string) =>
    join(tokensDir, `${createHash('sha256').update(appKey).digest('hex').slice(0, 32)}.json`);

  return {
    async get(appKey) {
      // A torn file (a concurrent writer, or a crash mid-write: writes are not atomic on the OSS mount) reads
      // as unreadable and is simply ignored, like a missing or expired one.
      const result = await readJsonFile(fileOf(appKey));
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
      const data = JSON.stringify({ accessToken: token, expiresAt });
      try {
        await writeFileNoFollow(fileOf(appKey), data, { mode: 0o600 });
      } catch (error) {
        if (!hasErrorCode(error, 'ENOENT')) throw error;
        await mkdir(tokensDir, { recursive: true });
        await writeFileNoFollow(fileOf(appKey), data, { mode: 0o600 });
      }
    },
  };
}
