import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKeptAliveHttp1, Http1ExchangeError } from '../../../src/platform/kept-alive-http1';
import { useCleanups } from './fc-test-kit';

const cleanups = useCleanups();
const TLS_DIR = join(__dirname, '..', '..', 'fixtures', 'tls');
const CERT = readFileSync(join(TLS_DIR, 'localhost-cert.pem'));
const KEY = readFileSync(join(TLS_DIR, 'localhost-key.pem'));
const OPTIONS = { timeoutMs: 2_000, maxBodyBytes: 1024 };

function post(body: string, headers: Record<string, string> = {}) {
  return { method: 'POST', path: '/2023-03-30/functions/f/invocations', headers, body: Buffer.from(body) };
}

/** A server and what it saw: each request's body and the client port it came from. */
async function listen(
  server: Server,
  secure = false,
): Promise<{ origin: URL; seen: Array<{ body: string; port: number | undefined }> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) =>
    sockets.add(socket.once('close', () => sockets.delete(socket))),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  );
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { origin: new URL(`${secure ? 'https' : 'http'}://localhost:${port}`), seen: [] };
}

async function httpServer(answer: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const seen: Array<{ body: string; port: number | undefined }> = [];
  const server = createHttpServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString();
      seen.push({ body, port: req.socket.remotePort });
      answer(req, res, body);
    });
  });
  const started = await listen(server);
  return { ...started, seen, server };
}

describe('createKeptAliveHttp1', () => {
  it('sends method, path, headers and body as Node’s server reads them, and reuses the socket', async () => {
    const headersSeen: Array<Record<string, unknown>> = [];
    const { origin, seen } = await httpServer((req, res) => {
      headersSeen.push({ ...req.headers });
      res.writeHead(202, { 'x-fc-request-id': `r-${seen.length}`, 'content-length': '0' }).end();
    });
    const http = createKeptAliveHttp1();
    const first = await http.exchange(
      origin,
      post('{"a":1}', { host: origin.host, 'x-acs-date': 'd' }),
      OPTIONS,
    );
    const second = await http.exchange(origin, post('第二', { host: origin.host }), OPTIONS);

    expect(first).toMatchObject({ status: 202, headers: { 'x-fc-request-id': 'r-1' }, reusable: true });
    expect(second.headers['x-fc-request-id']).toBe('r-2');
    expect(seen.map((request) => request.body)).toEqual(['{"a":1}', '第二']);
    expect(seen[0]?.port).toBe(seen[1]?.port);
    expect(headersSeen[0]).toMatchObject({ host: origin.host, 'x-acs-date': 'd', 'content-length': '7' });
    expect(headersSeen[1]?.['content-length']).toBe(String(Buffer.byteLength('第二')));
  });

  it('reads chunked and unframed answers from a real server, and drops a socket told to close', async () => {
    const { origin, seen } = await httpServer((_req, res, body) => {
      if (body === 'chunked') {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.write('{"Code":');
        setTimeout(() => res.end('"Throttled"}'), 5);
      } else {
        res.writeHead(500, { connection: 'close', 'content-type': 'text/plain' }).end('closing');
      }
    });
    const http = createKeptAliveHttp1();
    const chunked = await http.exchange(origin, post('chunked'), OPTIONS);
    expect(chunked).toMatchObject({ status: 503, reusable: true });
    expect(chunked.body.toString()).toBe('{"Code":"Throttled"}');
    const closing = await http.exchange(origin, post('close'), OPTIONS);
    expect(closing).toMatchObject({ status: 500, reusable: false });
    expect(closing.body.toString()).toBe('closing');
    await http.exchange(origin, post('chunked'), OPTIONS);
    expect(seen[1]?.port).toBe(seen[0]?.port);
    expect(seen[2]?.port).not.toBe(seen[1]?.port);
  });

  it('opens a fresh socket once the server has closed the idle one', async () => {
    const { origin, seen, server } = await httpServer((_req, res) => {
      res.writeHead(202, { 'content-length': '0' }).end();
    });
    server.keepAliveTimeout = 1;
    const serverSide = new Promise<void>((resolve) => {
      server.once('connection', (socket: Socket) => socket.once('close', () => resolve()));
    });
    const http = createKeptAliveHttp1();
    await http.exchange(origin, post('one'), OPTIONS);
    await serverSide;
    const again = await http.exchange(origin, post('two'), OPTIONS);
    expect(again.status).toBe(202);
    expect(seen.map((request) => request.body)).toEqual(['one', 'two']);
    expect(seen[1]?.port).not.toBe(seen[0]?.port);
  });

  it('sends once more on a fresh socket when a reused one is closed before any answer, but not twice', async () => {
    // The race kept-alive clients live with: the server drops an idle connection just as a request goes out.
    const arrivals: number[] = [];
    let connections = 0;
    const server = createTcpServer((socket: Socket) => {
      const connection = ++connections;
      socket.on('data', () => {
        arrivals.push(connection);
        if (connection === 1 && arrivals.length === 1) {
          socket.write('HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n');
        } else if (connection === 1 || connection === 3) {
          socket.destroy();
        } else socket.write('HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n');
      });
    });
    const { origin } = await listen(server);
    const http = createKeptAliveHttp1();
    expect((await http.exchange(origin, post('first'), OPTIONS)).status).toBe(202);
    expect((await http.exchange(origin, post('retried'), OPTIONS)).status).toBe(202);
    expect(arrivals).toEqual([1, 1, 2]);
    // A fresh socket that breaks is an error, not a retry.
    const fresh = createKeptAliveHttp1();
    const error = await fresh.exchange(origin, post('broken'), OPTIONS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Http1ExchangeError);
    expect((error as Http1ExchangeError).code).toBe('ECONNRESET');
    expect(arrivals).toEqual([1, 1, 2, 3]);
  });

  it('does not retry once part of an answer has arrived', async () => {
    let requests = 0;
    const server = createTcpServer((socket: Socket) => {
      socket.on('data', () => {
        requests += 1;
        if (requests === 1) socket.write('HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n');
        else socket.end('HTTP/1.1 500 Internal');
      });
    });
    const { origin } = await listen(server);
    const http = createKeptAliveHttp1();
    await http.exchange(origin, post('first'), OPTIONS);
    const error = await http.exchange(origin, post('second'), OPTIONS).catch((e: unknown) => e);
    expect((error as Http1ExchangeError).code).toBe('ECONNRESET');
    expect(requests).toBe(2);
  });

  it('fails a malformed answer as InvalidResponse and a silent server as Timeout', async () => {
    const server = createTcpServer((socket: Socket) => {
      socket.on('data', (data: Buffer) => {
        if (data.includes('garbage')) socket.write('SMTP ready\r\n\r\n');
      });
    });
    const { origin } = await listen(server);
    const http = createKeptAliveHttp1();
    const garbled = await http.exchange(origin, post('garbage'), OPTIONS).catch((e: unknown) => e);
    expect((garbled as Http1ExchangeError).code).toBe('InvalidResponse');
    const started = Date.now();
    const silent = await http
      .exchange(origin, post('silence'), { ...OPTIONS, timeoutMs: 100 })
      .catch((e: unknown) => e);
    expect((silent as Http1ExchangeError).code).toBe('Timeout');
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('refuses header names and values that could split the request, sending nothing', async () => {
    const { origin, seen } = await httpServer((_req, res) => res.writeHead(202).end());
    const http = createKeptAliveHttp1();
    for (const headers of [
      { 'x-a': 'b\r\nx-injected: 1' },
      { 'x a': 'b' },
      { 'x-a': 'b\n' },
      { 'x-a': '数' },
    ]) {
      const error = await http.exchange(origin, post('x', headers), OPTIONS).catch((e: unknown) => e);
      expect((error as Http1ExchangeError).code).toBe('ERR_INVALID_CHAR');
    }
    const badPath = { ...post('x'), path: '/a b' };
    await expect(http.exchange(origin, badPath, OPTIONS)).rejects.toThrow('ERR_INVALID_CHAR');
    expect(seen).toEqual([]);
  });

  it('speaks TLS with certificate checks: trusted, the socket is reused; untrusted, nothing is sent', async () => {
    const seen: number[] = [];
    const server = createHttpsServer({ cert: CERT, key: KEY }, (req, res) => {
      seen.push(req.socket.remotePort ?? 0);
      req.resume().on('end', () => res.writeHead(202, { 'content-length': '0' }).end());
    });
    const { origin } = await listen(server, true);
    const trusting = createKeptAliveHttp1({ ca: CERT });
    expect((await trusting.exchange(origin, post('a', { host: origin.host }), OPTIONS)).status).toBe(202);
    expect((await trusting.exchange(origin, post('b', { host: origin.host }), OPTIONS)).status).toBe(202);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);

    const error = await createKeptAliveHttp1()
      .exchange(origin, post('c'), OPTIONS)
      .catch((e: unknown) => e);
    expect((error as Http1ExchangeError).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(seen).toHaveLength(2);
  });

  it('reports a refused connection by its system code', async () => {
    const server = createTcpServer();
    const { origin } = await listen(server);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await createKeptAliveHttp1()
      .exchange(origin, post('x'), OPTIONS)
      .catch((e: unknown) => e);
    expect((error as Http1ExchangeError).code).toBe('ECONNREFUSED');
  });
});
