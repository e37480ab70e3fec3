/**
 * DingTalk's signature covers only the timestamp, never the body: a captured (timestamp, sign) pair validates any
 * body for an hour. Accepting only session webhooks on known origins stops a replay from aiming the bot elsewhere.
 */
export function isAllowedWebhook(sessionWebhook: string, allowedOrigins: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(sessionWebhook);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  return allowedOrigins.includes(url.origin);
}
