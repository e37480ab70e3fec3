import type { ServerResponse } from 'node:http';

/** One thing that happened in the playground, as the page receives it. */
export type PlaygroundEvent = { type: string; at: number } & Record<string, unknown>;

const KEEP_EVENTS = 2000;

/** Keeps the recent events (replayed to a page when it loads) and streams new ones to open pages (SSE). */
export function createEventHub() {
  const events: PlaygroundEvent[] = [];
  const clients = new Set<ServerResponse>();
  return {
    events,
    emit(event: Omit<PlaygroundEvent, 'at'> & { at?: number }): void {
      const full = { at: Date.now(), ...event } as PlaygroundEvent;
      events.push(full);
      if (events.length > KEEP_EVENTS) events.splice(0, events.length - KEEP_EVENTS);
      const frame = `data: ${JSON.stringify(full)}\n\n`;
      for (const client of clients) client.write(frame);
    },
    subscribe(res: ServerResponse): void {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      clients.add(res);
      res.on('close', () => clients.delete(res));
    },
    close(): void {
      for (const client of clients) client.end();
      clients.clear();
    },
  };
}

export type EventHub = ReturnType<typeof createEventHub>;
