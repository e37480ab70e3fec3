import type { IncomingMessage, ServerResponse } from 'node:http';
import { GROUP_TEXT_PREFIX } from '../lib/build-callback';

/** The session of the webhook `npm run callback --webhook` is pointed at, so its answers land in the page. */
export const CALLBACK_SESSION = 'callback';

/** A callback someone posted to /conversation (e.g. `npm run callback`), as the page shows it. */
export interface ExternalCallback {
  msgId: string;
  chatKey: string;
  sender: { staffId: string; nick: string };
  text: string;
  /** The callback's sessionWebhook is this playground's callback webhook. */
  answersHere: boolean;
}

/**
 * Reads a body posted to the conversation trigger, to show it in the page before the function has judged it: the
 * message of a group goes to the group, a direct message to its sender's chat. Undefined when it is not shaped
 * like a robot message at all (the function's answer then says why).
 */
export function readExternalCallback(body: Buffer): ExternalCallback | undefined {
  let callback: Record<string, unknown>;
  try {
    callback = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof callback !== 'object' || callback === null || typeof callback.msgId !== 'string')
    return undefined;
  const group = callback.conversationType === '2';
  const staffId = String(callback.senderStaffId ?? callback.senderId ?? '');
  const content = (callback.text as { content?: unknown } | undefined)?.content;
  const text = typeof content === 'string' ? content : `[${String(callback.msgtype ?? '未知')} 消息]`;
  return {
    msgId: callback.msgId,
    chatKey: group ? 'group' : `dm:${staffId}`,
    sender: { staffId, nick: String(callback.senderNick ?? '') },
    text: group && text.startsWith(GROUP_TEXT_PREFIX) ? text.slice(GROUP_TEXT_PREFIX.length) : text,
    answersHere: sessionOf(callback.sessionWebhook) === CALLBACK_SESSION,
  };
}

function sessionOf(webhook: unknown): string | undefined {
  try {
    return new URL(String(webhook)).searchParams.get('session') ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * The playground's own /robot/sendBySession: posts go on to the emulated DingTalk, so a tool outside the page can
 * be given a webhook at the playground's fixed address.
 */
export async function relayWebhookPost(
  dingtalkUrl: string,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
): Promise<void> {
  const search = new URL(req.url ?? '/', 'http://playground').search;
  const response = await fetch(`${dingtalkUrl}/robot/sendBySession${search}`, {
    method: req.method ?? 'POST',
    headers: { 'content-type': req.headers['content-type'] ?? '' },
    ...(req.method === 'POST' ? { body: new Uint8Array(body) } : {}),
  });
  res
    .writeHead(response.status, {
      'content-type': response.headers.get('content-type') ?? 'application/json',
    })
    .end(Buffer.from(await response.arrayBuffer()));
}
