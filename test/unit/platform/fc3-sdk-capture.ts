import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import Fc3ClientImport, { InvokeFunctionHeaders, InvokeFunctionRequest } from '@alicloud/fc20230330';
import { $OpenApiUtil, OpenApiUtil } from '@alicloud/openapi-core';
import { RuntimeOptions } from '@darabonba/typescript';
import { vi } from 'vitest';
import type { Fc3InvokeCall } from '../../../src/platform/fc3-invoke-request';
import { startRawServer } from './fc-test-kit';

// The package is CommonJS with `exports.default = Client`; depending on the loader the import is the class or
// the whole `exports` object.
const Fc3Client: typeof Fc3ClientImport =
  (Fc3ClientImport as unknown as { default?: typeof Fc3ClientImport }).default ?? Fc3ClientImport;

const plainRequest = http.request.bind(http);

/** What the official SDK put on the wire for one InvokeFunction call, and the canonical request it signed. */
export interface SdkRequest {
  method: string;
  /** As sent, query included. */
  path: string;
  /** Lower-case names, as received. */
  headers: Record<string, string>;
  body: Buffer;
  canonicalRequest: string;
}

/**
 * Makes the call with {@link invokeWithSdk} and records the request. Whatever host the endpoint names, the connection goes to a local recorder (the SDK's
 * `http(s).request` is redirected; its headers, Host included, are left alone), so no network is needed.
 * The canonical request is read where openapi-core hashes it for the string to sign.
 */
export async function captureSdkInvoke(
  cleanups: Array<() => Promise<void>>,
  call: Fc3InvokeCall,
): Promise<SdkRequest> {
  const received: Array<Omit<SdkRequest, 'canonicalRequest'>> = [];
  const recorder = new URL(
    await startRawServer(cleanups, async (req, res) => {
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: flatHeaders(req),
        body: await readAll(req),
      });
      res.writeHead(202, { 'content-length': '0' }).end();
    }),
  );
  const hashed: Buffer[] = [];
  const hash = OpenApiUtil.hash.bind(OpenApiUtil);
  const spies = [
    vi.spyOn(OpenApiUtil, 'hash').mockImplementation((raw, algorithm) => {
      hashed.push(Buffer.from(raw));
      return hash(raw, algorithm);
    }),
    ...[http, https].map((module) =>
      vi
        .spyOn(module, 'request')
        .mockImplementation(((options: http.RequestOptions) =>
          redirect(options, recorder)) as typeof http.request),
    ),
  ];
  try {
    await invokeWithSdk(call);
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  const [request, ...more] = received;
  // The payload is hashed first, then the canonical request for the string to sign.
  const canonicalRequest = hashed.at(-1)?.toString('utf8');
  if (!request || more.length > 0 || canonicalRequest === undefined) {
    throw new Error(
      `expected one signed SDK request, recorded ${received.length} and ${hashed.length} hashes`,
    );
  }
  return { ...request, canonicalRequest };
}

/** One InvokeFunction call through the official SDK, configured as the connector configured it before issue 13. */
export async function invokeWithSdk(call: Fc3InvokeCall): Promise<void> {
  const client = new Fc3Client(
    new $OpenApiUtil.Config({
      accessKeyId: call.credentials.accessKeyId,
      accessKeySecret: call.credentials.accessKeySecret,
      securityToken: call.credentials.securityToken,
      endpoint: call.endpoint.host,
      protocol: call.endpoint.protocol.replace(/:$/, ''),
    }),
  );
  const response = await client.invokeFunctionWithOptions(
    call.functionName,
    new InvokeFunctionRequest({ body: Readable.from([call.payload]) }),
    new InvokeFunctionHeaders({ xFcInvocationType: 'Async', xFcAsyncTaskId: call.taskId }),
    new RuntimeOptions({}),
  );
  response.body?.resume();
}

function redirect(options: http.RequestOptions, recorder: URL): http.ClientRequest {
  const { agent: _agent, key: _key, cert: _cert, ca: _ca, ...rest } = options as https.RequestOptions;
  // A fresh connection each time: the SDK's kept-alive sockets would outlive the recorder.
  return plainRequest({
    ...rest,
    hostname: recorder.hostname,
    host: recorder.hostname,
    port: recorder.port,
    agent: false,
  });
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
