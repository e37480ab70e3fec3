import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Playground, PlaygroundOptions } from '../../scripts/playground/playground';
import { startPlayground } from '../../scripts/playground/playground';

/** One event of a playground, as /api/state replays them. */
export type PlaygroundEvent = { type: string } & Record<string, unknown>;

/** Every event the playground at `url` has kept. */
export async function playgroundEvents(url: string): Promise<PlaygroundEvent[]> {
  return ((await (await fetch(`${url}/api/state`)).json()) as { events: PlaygroundEvent[] }).events;
}

/** The first event that matches, polling for up to 15 s. */
export async function waitForEvent(
  url: string,
  match: (event: PlaygroundEvent) => boolean,
): Promise<PlaygroundEvent> {
  for (let i = 0; i < 300; i += 1) {
    const found = (await playgroundEvents(url)).find(match);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('event never arrived');
}

/** Posts a member's message the way the page does. */
export async function sendAsMember(url: string, staffId: string, chat: string, text: string) {
  return postMessage(url, { staffId, chat, text });
}

/** Posts any message the page can send (text, voice, pictures, a file, a quote) to /api/messages. */
export async function postMessage(url: string, message: Record<string, unknown>) {
  const response = await fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(message),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The robot's answers to one message (its parts, or the final state of its AI card), once its reply is done. */
export async function answersTo(url: string, msgId: unknown): Promise<string[]> {
  await waitForEvent(url, (event) => event.type === 'reply-done' && event.msgId === msgId);
  const events = (await playgroundEvents(url)).filter((event) => event.msgId === msgId);
  const cards = new Map<unknown, string>();
  for (const event of events) if (event.type === 'card') cards.set(event.outTrackId, String(event.content));
  return [
    ...events.filter((event) => event.type === 'robot-message').map((event) => String(event.text)),
    ...cards.values(),
  ];
}

/**
 * A playground of its own for a test: history in a fresh temp directory, `env` as its .env (without one, no .env:
 * the offline demo model answers), no log output, plain markdown answers unless `options` say otherwise.
 * `stop()` closes it and removes the directory.
 */
export async function startTestPlayground(
  options: PlaygroundOptions & { env?: string } = {},
): Promise<{ playground: Playground; stop(): Promise<void> }> {
  const { env, ...rest } = options;
  const dir = await mkdtemp(join(tmpdir(), 'playground-test-'));
  const envFile = env === undefined ? null : join(dir, '.env');
  if (envFile !== null && env !== undefined) await writeFile(envFile, env);
  const playground = await startPlayground({
    port: 0,
    dataDir: join(dir, 'data'),
    envFile,
    printLogs: false,
    cards: false,
    ...rest,
  });
  return {
    playground,
    async stop() {
      await playground.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
