import { InvokeError, toInvokeError } from './invoke-error';
import type { FcCredentials, InvokeOutcome, ReplyInvokeTarget } from './invoke-reply';

interface Fc2Client {
  invokeFunction(
    serviceName: string,
    functionName: string,
    event: Buffer,
    headers: Record<string, string>,
  ): Promise<{ headers: Record<string, string | string[] | undefined>; data: unknown }>;
}

type Fc2ClientConstructor = new (
  accountId: string,
  config: {
    accessKeyID: string;
    accessKeySecret: string;
    securityToken?: string | undefined;
    region: string;
    endpoint: string;
    timeout: number;
  },
) => Fc2Client;

/** Invokes functions of FC 2.0 services through one @alicloud/fc2 client. */
export type Fc2Invoke = (
  target: ReplyInvokeTarget,
  payload: Buffer,
  taskId: string,
) => Promise<InvokeOutcome>;

/** Returns an invoke function for the 2016-08-15 service API; @alicloud/fc2 is loaded on its first call. */
export function createFc2Invoke(target: ReplyInvokeTarget, credentials: FcCredentials): Fc2Invoke {
  let client: Fc2Client | undefined;
  return async (call, payload, taskId) => {
    try {
      client ??= createFc2Client(target, credentials);
      const response = await client.invokeFunction(call.serviceName ?? '', call.functionName, payload, {
        'x-fc-invocation-type': 'Async',
        'x-fc-stateful-async-invocation-id': taskId,
      });
      const requestId = response.headers['x-fc-request-id'];
      return { status: 'queued', requestId: typeof requestId === 'string' ? requestId : undefined };
    } catch (error) {
      const invokeError = toInvokeError(error);
      // 409 = this task id was already accepted: the reply is queued or done, which is what we wanted.
      if (invokeError.status === 409) return { status: 'duplicate' };
      throw invokeError;
    }
  };
}

function createFc2Client(target: ReplyInvokeTarget, credentials: FcCredentials): Fc2Client {
  // A lazy `require`, not `import()`: fc2 drags in ali-oss and axios, a cost FC 3.0 deployments should never
  // pay, and when the bundle leaves fc2 external (the runtime pre-installs it) only CommonJS resolution
  // finds the pre-installed copy.
  const Fc2Client = require('@alicloud/fc2') as Fc2ClientConstructor;
  try {
    return new Fc2Client(target.accountId, {
      accessKeyID: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      securityToken: credentials.securityToken,
      region: target.region,
      // fc2 wants a full URL here (scheme included), unlike fc20230330.
      endpoint: target.endpoint.origin,
      timeout: target.timeoutMs,
    });
  } catch {
    // The constructor throws TypeError for a missing account id, region, or STS token.
    throw new InvokeError({ code: 'InvalidConfig' });
  }
}
