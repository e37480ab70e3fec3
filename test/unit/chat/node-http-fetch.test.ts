import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeHttpFetch } from '../../../src/chat/node-http-fetch';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
const servers: Array<ReturnType<typeof createServer>> = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => handler(req, res, Buffer.concat(parts).toString()));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Whatever a fetch gave: the response's parts, or the rejection's name, message and cause code. */
async function outcome(run: () => Promise<Response>) {
  try {
    const response = await run();
    return {
      status: response.status,
      statusText: response.statusText,
      type: response.headers.get('content-type'),
      extra: response.headers.get('x-extra'),
      text: await response.text(),
    };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    return { rejected: e.name, message: e.message, cause: e.cause?.code };
  }
}

const nodeFetch = createNodeHttpFetch();

describe('createNodeHttpFetch', () => {
  it('answers like the built-in fetch: status, headers, body, and what the server received', async () => {
    const received: Array<Record<string, string | undefined>> = [];
    const url = await serve((req, res, body) => {
      received.push({
        method: req.method,
        url: req.url,
        type: req.headers['content-type'],
        auth: req.headers.authorization,
        body,
      });
      res.writeHead(201, 'Made', { 'content-type': 'application/json', 'x-extra': ['a', 'b'] });
      res.end('{"ok":"是"}');
    });
    const init = {
      method: 'post',
      headers: new Headers({ 'content-type': 'application/json', authorization: 'Bearer k' }),
      body: '{"q":"问"}',
    };
    const viaNode = await outcome(() => nodeFetch(`${url}/v1/chat/completions?x=1`, init));
    const viaBuiltIn = await outcome(() => fetch(`${url}/v1/chat/completions?x=1`, init));
    expect(viaNode).toEqual(viaBuiltIn);
    expect(viaNode).toMatchObject({ status: 201, statusText: 'Made', extra: 'a, b', text: '{"ok":"是"}' });
    expect(received[0]).toEqual(received[1]);
    expect(received[0]).toMatchObject({
      method: 'POST',
      url: '/v1/chat/completions?x=1',
      body: '{"q":"问"}',
    });
  });

  it('streams the body as it arrives and decodes a compressed answer', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/gzip') {
        res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('解压后的文字'));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      setTimeout(() => res.end('data: two\n\n'), 30);
    });
    const response = await nodeFetch(`${url}/stream`);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value ?? []).toString()).toBe('data: one\n\n');
    const second = await reader.read();
    expect(Buffer.from(second.value ?? []).toString()).toBe('data: two\n\n');
    expect((await reader.read()).done).toBe(true);
    expect(await (await nodeFetch(`${url}/gzip`)).text()).toBe('解压后的文字');
  });

  it('rejects with an AbortError when aborted before, while waiting, or while reading the body', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/slow') return;
      res.writeHead(200);
      res.write('partial');
    });
    const before = new AbortController();
    before.abort();
    expect(await outcome(() => nodeFetch(url, { signal: before.signal }))).toMatchObject({
      rejected: 'AbortError',
    });
    const waiting = new AbortController();
    setTimeout(() => waiting.abort(), 20);
    expect(await outcome(() => nodeFetch(`${url}/slow`, { signal: waiting.signal }))).toMatchObject({
      rejected: 'AbortError',
    });
    const reading = new AbortController();
    const response = await nodeFetch(`${url}/body`, { signal: reading.signal });
    setTimeout(() => reading.abort(), 20);
    await expect(response.text()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('fails like fetch when nothing answers: TypeError "fetch failed" with the system code', async () => {
    const url = await serve(() => undefined);
    const server = servers.pop();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    const viaNode = await outcome(() => nodeFetch(url, { method: 'POST', body: 'x' }));
    expect(viaNode).toEqual(await outcome(() => fetch(url, { method: 'POST', body: 'x' })));
    expect(viaNode).toMatchObject({ rejected: 'TypeError', message: 'fetch failed', cause: 'ECONNREFUSED' });
  });

  it('leaves redirects and other body kinds to the built-in fetch', async () => {
    const url = await serve((req, res, body) => {
      if (req.url === '/old') res.writeHead(307, { location: '/new' }).end();
      else res.writeHead(200).end(`${req.method} ${req.url} ${body}`);
    });
    const delegated: string[] = [];
    const withFallback = createNodeHttpFetch((input, init) => {
      delegated.push(String(input));
      return fetch(input, init);
    });
    expect(await (await withFallback(`${url}/old`, { method: 'POST', body: 'b' })).text()).toBe(
      'POST /new b',
    );
    const form = new URLSearchParams({ a: '1' });
    expect(await (await withFallback(`${url}/form`, { method: 'POST', body: form })).text()).toBe(
      'POST /form a=1',
    );
    expect(delegated).toEqual([`${url}/old`, `${url}/form`]);
  });

  it('carries the openai SDK: a chat completion, a stream, and an API error with its status', async () => {
    const url = await serve((_req, res, body) => {
      const request = JSON.parse(body) as { stream?: boolean; model: string };
      if (request.model === 'missing') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"no such model","type":"invalid_request_error"}}');
      } else if (request.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const piece of ['你', '好']) {
          res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: piece } }] })}\n\n`);
        }
        res.end('data: [DONE]\n\n');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: '答' } }] }));
      }
    });
    const client = new OpenAI({ apiKey: 'k', baseURL: `${url}/v1`, maxRetries: 0, fetch: nodeFetch });
    const messages = [{ role: 'user' as const, content: '问' }];
    const whole = await client.chat.completions.create({ model: 'm', messages });
    expect(whole.choices[0]?.message.content).toBe('答');
    let streamed = '';
    for await (const chunk of await client.chat.completions.create({ model: 'm', messages, stream: true })) {
      streamed += chunk.choices[0]?.delta.content ?? '';
    }
    expect(streamed).toBe('你好');
    await expect(client.chat.completions.create({ model: 'missing', messages })).rejects.toMatchObject({
      status: 404,
    });
  });
});
