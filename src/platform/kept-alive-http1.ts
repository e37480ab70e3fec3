import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { createHttp1ResponseParser, HTTP_TOKEN, type Http1Response } from './http1-response-parser';

/** One request: the path as sent, header names as given (Host added when missing), the whole body. */
export interface Http1Request {
  method: string;
  path: string;
  headers: Readonly<Record<string, string>>;
  body: Buffer;
}

/** Why an exchange failed; `code` is a system error code (ECONNREFUSED…), `Timeout` or `InvalidResponse`. */
export class Http1ExchangeError extends Error {
  constructor(readonly code: string) {
    super(`HTTP exchange failed: ${code}`);
    this.name = 'Http1ExchangeError';
  }
}

/** Sends requests over kept-alive sockets, one origin's idle sockets reused most-recent first. */
export interface KeptAliveHttp1 {
  exchange(
    origin: URL,
    request: Http1Request,
    options: { timeoutMs: number; maxBodyBytes: number },
  ): Promise<Http1Response>;
}

const MAX_HEAD_BYTES = 64 * 1024;
const MAX_IDLE_PER_ORIGIN = 4;
const TCP_KEEPALIVE_DELAY_MS = 1000;
// RFC 9110 field values: no CR, LF or NUL (Node's http refuses the same).
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const REQUEST_TARGET = /^\/[\x21-\x7e]*$/;

/** The peer closed a reused socket before answering: the request can go again on a fresh one. */
class StaleSocketError extends Error {}

/**
 * A small HTTP/1.1 client over node:net and node:tls for the conversation function's one hot call, the async invoke.
 * node:http's client runs several times more JavaScript per request, and on a warm instance that code being compiled
 * and re-optimised is what made the acknowledgement's slowest percent slow. Requests are written in one packet with
 * TCP_NODELAY; TLS verifies the certificate and resumes sessions. A request that finds its reused socket closed by
 * the server before any answer byte is sent once more on a fresh socket — only for callers whose request is
 * idempotent (FC's async task id makes the invoke so). `ca` replaces the trusted roots (tests' own certificate).
 */
export function createKeptAliveHttp1(options: { ca?: string | Buffer } = {}): KeptAliveHttp1 {
  const idle = new Map<string, Socket[]>();
  const tlsSessions = new Map<string, Buffer>();
  const idleDrops = new WeakMap<Socket, () => void>();

  function takeIdle(key: string): Socket | undefined {
    const sockets = idle.get(key);
    for (let socket = sockets?.pop(); socket; socket = sockets?.pop()) {
      const drop = idleDrops.get(socket);
      if (drop) socket.off('data', drop).off('end', drop).off('error', drop).off('close', drop);
      if (!socket.destroyed && socket.readable && socket.writable) return socket.ref();
      socket.destroy();
    }
    return undefined;
  }

  function keepIdle(key: string, socket: Socket): void {
    const sockets = idle.get(key) ?? [];
    idle.set(key, sockets);
    if (sockets.length >= MAX_IDLE_PER_ORIGIN) {
      socket.destroy();
      return;
    }
    const drop = () => {
      const index = sockets.indexOf(socket);
      if (index !== -1) sockets.splice(index, 1);
      socket.destroy();
    };
    idleDrops.set(socket, drop);
    // An idle socket that speaks, ends or fails is finished: the next request must not land on it.
    socket.once('data', drop).once('end', drop).once('error', drop).once('close', drop);
    sockets.push(socket.unref());
  }

  function open(origin: URL): Socket {
    const secure = origin.protocol === 'https:';
    const host = origin.hostname.replace(/^\[|\]$/g, '');
    const port = Number(origin.port || (secure ? 443 : 80));
    let socket: Socket;
    if (secure) {
      const session = tlsSessions.get(origin.host);
      const tls: TLSSocket = connectTls({
        host,
        port,
        ALPNProtocols: ['http/1.1'],
        ...(isIP(host) ? {} : { servername: host }),
        ...(session ? { session } : {}),
        ...(options.ca ? { ca: options.ca } : {}),
      });
      tls.on('session', (ticket: Buffer) => tlsSessions.set(origin.host, ticket));
      socket = tls;
    } else {
      socket = connectTcp({ host, port });
    }
    return socket.setNoDelay(true).setKeepAlive(true, TCP_KEEPALIVE_DELAY_MS);
  }

  function attempt(
    key: string,
    socket: Socket,
    reused: boolean,
    wire: Buffer,
    method: string,
    deadline: number,
    maxBodyBytes: number,
  ): Promise<Http1Response> {
    return new Promise((resolve, reject) => {
      const parser = createHttp1ResponseParser({ maxHeadBytes: MAX_HEAD_BYTES, maxBodyBytes }, method);
      const timer = setTimeout(
        () => fail(new Http1ExchangeError('Timeout')),
        Math.max(0, deadline - Date.now()),
      );
      function settle(): void {
        clearTimeout(timer);
        socket.off('data', onData).off('end', onEnd).off('error', onError).off('close', onEnd);
      }
      function fail(error: Error): void {
        settle();
        socket.destroy();
        reject(error);
      }
      function onData(chunk: Buffer): void {
        let response: Http1Response | undefined;
        try {
          response = parser.push(chunk);
        } catch (error) {
          fail(new Http1ExchangeError((error as { code?: string }).code ?? 'InvalidResponse'));
          return;
        }
        if (!response) return;
        settle();
        if (response.reusable) keepIdle(key, socket);
        else socket.destroy();
        resolve(response);
      }
      function onEnd(): void {
        const response = parser.end();
        if (response) {
          settle();
          socket.destroy();
          resolve(response);
          return;
        }
        if (reused && !parser.started) fail(new StaleSocketError());
        else fail(new Http1ExchangeError('ECONNRESET'));
      }
      function onError(error: NodeJS.ErrnoException): void {
        if (reused && !parser.started) fail(new StaleSocketError());
        else fail(new Http1ExchangeError(error.code ?? 'ECONNRESET'));
      }
      socket.on('data', onData).on('end', onEnd).on('error', onError).on('close', onEnd);
      socket.write(wire);
    });
  }

  return {
    async exchange(origin, request, options) {
      const wire = serialize(origin, request);
      const key = `${origin.protocol}//${origin.host}`;
      const deadline = Date.now() + options.timeoutMs;
      const send = (socket: Socket, reused: boolean) =>
        attempt(key, socket, reused, wire, request.method, deadline, options.maxBodyBytes);
      const pooled = takeIdle(key);
      if (pooled) {
        try {
          return await send(pooled, true);
        } catch (error) {
          if (!(error instanceof StaleSocketError)) throw error;
        }
      }
      return send(open(origin), false);
    },
  };
}

/** The request line, the headers and the body as one buffer, so it leaves in one write. */
function serialize(origin: URL, request: Http1Request): Buffer {
  if (!HTTP_TOKEN.test(request.method) || !REQUEST_TARGET.test(request.path)) {
    throw new Http1ExchangeError('ERR_INVALID_CHAR');
  }
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  // HTTP/1.1 requires Host; a caller that signs it passes its own.
  if (!Object.keys(request.headers).some((name) => name.toLowerCase() === 'host')) {
    head += `host: ${origin.host}\r\n`;
  }
  for (const [name, value] of Object.entries(request.headers)) {
    if (!HTTP_TOKEN.test(name) || !FIELD_VALUE.test(value)) throw new Http1ExchangeError('ERR_INVALID_CHAR');
    // The length is always the body's own.
    if (name.toLowerCase() === 'content-length') continue;
    head += `${name}: ${value}\r\n`;
  }
  head += `content-length: ${request.body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), request.body]);
}
