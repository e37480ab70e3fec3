import type { DingTalkAppCredentials } from '../../src/config/reply-config';
import type { CheckResult } from './check-result';

const NAME = 'DingTalk access token is obtainable';

/** Fetches an OpenAPI access token for every configured app, as the reply function's fallback would. */
export async function checkAccessTokens(
  apps: DingTalkAppCredentials[],
  apiBase: string,
): Promise<CheckResult> {
  if (apps.length === 0) {
    return { status: 'SKIP', name: NAME, detail: 'DINGTALK_APP_KEY is not set: the OpenAPI fallback is off' };
  }
  const problems: string[] = [];
  for (const [index, app] of apps.entries()) {
    const problem = await fetchToken(app, apiBase);
    if (problem) {
      const pair =
        apps.length > 1 ? ` (item ${index + 1} of DINGTALK_APP_KEY and of DINGTALK_APP_SECRET)` : '';
      problems.push(`app ${app.appKey}: ${problem}${pair}`);
    }
  }
  if (problems.length > 0) return { status: 'FAIL', name: NAME, detail: problems.join('; ') };
  return { status: 'OK', name: NAME, detail: `${apps.map((app) => app.appKey).join(', ')}` };
}

/** Undefined when a token came back; otherwise what went wrong and what to check. */
async function fetchToken(app: DingTalkAppCredentials, apiBase: string): Promise<string | undefined> {
  const origin = new URL(apiBase).origin;
  let response: Response;
  try {
    response = await fetch(`${origin}/v1.0/oauth2/accessToken`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appKey: app.appKey, appSecret: app.appSecret }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? 'no answer within 15 s' : 'could not connect';
    return `${reason} to ${origin}: check DINGTALK_API_BASE and your network or proxy`;
  }
  const body = (await response.json().catch(() => undefined)) as
    | { accessToken?: unknown; code?: unknown }
    | undefined;
  if (response.ok && typeof body?.accessToken === 'string' && body.accessToken !== '') return undefined;
  const code = typeof body?.code === 'string' && /^[\w.]{1,80}$/.test(body.code) ? ` ${body.code}` : '';
  if (response.status === 400 || response.status === 401 || response.status === 403) {
    return `HTTP ${response.status}${code}: check the AppKey/AppSecret pair (DINGTALK_APP_KEY is the Client ID, DINGTALK_APP_SECRET the Client Secret of the same app)`;
  }
  return `HTTP ${response.status}${code}: DingTalk did not issue a token; check DINGTALK_API_BASE and try again later`;
}
