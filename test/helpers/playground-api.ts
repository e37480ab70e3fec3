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
  const response = await fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ staffId, chat, text }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
