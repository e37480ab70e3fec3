/** The only path DingTalk gives session webhooks (receive-message doc): https://oapi.dingtalk.com/robot/sendBySession?session=… */
export const SESSION_WEBHOOK_PATH = '/robot/sendBySession';
const SESSION_QUERY = /^\?session=[A-Za-z0-9_-]{1,256}$/;

/**
 * DingTalk's signature covers only the timestamp, never the body: a captured (timestamp, sign) pair validates any
 * body for an hour. So a session webhook is accepted only in DingTalk's own shape — an allowed scheme and origin,
 * exactly the sendBySession path, one `session` parameter — and only in canonical form: a URL the parser had to
 * rewrite (backslashes, tabs, upper case, default ports, IDN, dot segments) is not one DingTalk sent. That keeps
 * a replay from aiming the robot at another robot's webhook (`/robot/send?access_token=…`) or anywhere else.
 */
export function isAllowedWebhook(sessionWebhook: string, allowedOrigins: readonly string[]): boolean {
  if (!URL.canParse(sessionWebhook) || sessionWebhook.includes('#')) return false;
  const url = new URL(sessionWebhook);
  if (url.href !== sessionWebhook) return false;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  if (url.username !== '' || url.password !== '') return false;
  // Not url.origin: for blob: and similar schemes that is the origin of the URL inside them.
  if (!allowedOrigins.includes(`${url.protocol}//${url.host}`)) return false;
  return url.pathname === SESSION_WEBHOOK_PATH && SESSION_QUERY.test(url.search);
}
