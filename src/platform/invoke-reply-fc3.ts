import { Readable } from 'node:stream';
import Fc3ClientImport, { InvokeFunctionHeaders, InvokeFunctionRequest } from '@alicloud/fc20230330';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { RuntimeOptions } from '@darabonba/typescript';
import { toInvokeError } from './invoke-error';
import type { FcCredentials, InvokeOutcome, ReplyInvokeTarget } from './invoke-reply';

type Fc3Client = InstanceType<typeof Fc3ClientImport>;

// The package is CommonJS with `exports.default = Client`: esbuild and vitest unwrap it, Node's own ESM
// loader hands over the whole `exports` object instead. Accept both.
const Fc3Client: typeof Fc3ClientImport =
  (Fc3ClientImport as unknown as { default?: typeof Fc3ClientImport }).default ?? Fc3ClientImport;

/** Invokes functions through one FC 3.0 (2023-03-30 API) client. */
export type Fc3Invoke = (
  target: ReplyInvokeTarget,
  payload: Buffer,
  taskId: string,
) => Promise<InvokeOutcome>;

/** Builds an FC 3.0 client for `target.endpoint` and returns an invoke function bound to it. */
export function createFc3Invoke(target: ReplyInvokeTarget, credentials: FcCredentials): Fc3Invoke {
  const client: Fc3Client = new Fc3Client(
    new $OpenApiUtil.Config({
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      securityToken: credentials.securityToken,
      // openapi-core wants host[:port] and takes the scheme from `protocol`; `https://host` would break the URL.
      endpoint: target.endpoint.host,
      protocol: target.endpoint.protocol.replace(/:$/, ''),
      readTimeout: target.timeoutMs,
      connectTimeout: target.timeoutMs,
    }),
  );
  return async (call, payload, taskId) => {
    try {
      const response = await client.invokeFunctionWithOptions(
        call.functionName,
        new InvokeFunctionRequest({ body: Readable.from([payload]) }),
        new InvokeFunctionHeaders({ xFcInvocationType: 'Async', xFcAsyncTaskId: taskId }),
        new RuntimeOptions({}),
      );
      // The body is an unread stream; drain it so the keep-alive socket goes back to the pool.
      response.body?.resume();
      return { status: 'queued', requestId: response.headers?.['x-fc-request-id'] };
    } catch (error) {
      const invokeError = toInvokeError(error);
      // 409 = this task id was already accepted: the reply is queued or done, which is what we wanted.
      if (invokeError.status === 409) return { status: 'duplicate' };
      throw invokeError;
    }
  };
}
