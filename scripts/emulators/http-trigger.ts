import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FcInstance } from '../fc-runtime/fc-instance';

/** Go's net/http canonical form, which FC 3.0 applies to header names: `content-type` → `Content-Type`. */
export function canonicalHeaderName(name: string): string {
  return name
    .toLowerCase()
    .split('-')
    .map((part) => (part ? part[0]?.toUpperCase() + part.slice(1) : part))
    .join('-');
}

/** Builds FC 3.0's HTTP-trigger event (payload v1) for one request, as the platform would hand it to the handler. */
export function toHttpTriggerEvent(req: IncomingMessage, body: Buffer): Buffer {
  const url = new URL(req.url ?? '/', 'http://trigger.local');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[canonicalHeaderName(name)] = Array.isArray(value) ? value.join(',') : value;
  }
  const queryParameters: Record<string, string> = {};
  for (const key of new Set(url.searchParams.keys()))
    queryParameters[key] = url.searchParams.getAll(key).join(',');
  const text = body.toString('utf8');
  // FC base64-encodes bodies that are not valid UTF-8 text.
  const binary = Buffer.compare(Buffer.from(text, 'utf8'), body) !== 0;
  return Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath: url.pathname,
      headers,
      queryParameters,
      body: binary ? body.toString('base64') : text,
      isBase64Encoded: binary,
      requestContext: {
        accountId: '1234567890123456',
        domainName: req.headers.host ?? 'localhost',
        domainPrefix: 'local',
        http: {
          method: req.method ?? 'GET',
          path: decodeURIComponent(url.pathname),
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          userAgent: req.headers['user-agent'] ?? '',
        },
        requestId: `local-${Date.now().toString(36)}`,
        time: new Date().toUTCString(),
        timeEpoch: String(Date.now()),
      },
    }),
  );
}

/** Runs one request through an emulated FC instance of an HTTP-triggered function and writes its answer. */
export async function respondThroughInstance(
  instance: Pick<FcInstance, 'invoke'>,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): Promise<{ statusCode: number; durationMs: number }> {
  const result = await instance.invoke(toHttpTriggerEvent(req, body));
  const response = result.result as
    | { statusCode?: number; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean }
    | undefined;
  if (result.error || !response || typeof response.statusCode !== 'number') {
    // What FC answers when the function itself fails.
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ErrorCode: 'FunctionUnhandledError', ErrorMessage: 'function error' }));
    return { statusCode: 502, durationMs: result.durationMs };
  }
  res.writeHead(response.statusCode, response.headers ?? {});
  res.end(response.isBase64Encoded ? Buffer.from(response.body ?? '', 'base64') : (response.body ?? ''));
  return { statusCode: response.statusCode, durationMs: result.durationMs };
}

/** Reads a request body completely. */
export function readRequestBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** An HTTP trigger in front of an emulated instance: every request on its own port goes to the function. */
export async function serveHttpTrigger(
  instance: Pick<FcInstance, 'invoke'>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    await respondThroughInstance(instance, req, res, await readRequestBody(req));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
