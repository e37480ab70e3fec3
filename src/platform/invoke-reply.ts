import { InvokeError } from './invoke-error';
import { createFc2Invoke, type Fc2Invoke } from './invoke-reply-fc2';
import { invokeFc3 } from './invoke-reply-fc3';

/** Alibaba Cloud credentials for the invoke call (the function role's STS keys on FC). */
export interface FcCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string | undefined;
}

/** Where and how to invoke `reply`. */
export interface ReplyInvokeTarget {
  /** Scheme honoured (http: or https:), host[:port]; the path is ignored. */
  endpoint: URL;
  functionName: string;
  /** Set: FC 2.0 service API via @alicloud/fc2. Unset: FC 3.0 API, signed here. */
  serviceName?: string | undefined;
  /** The FC 2.0 client sends it as x-fc-account-id. */
  accountId: string;
  /** Required by the FC 2.0 client. */
  region: string;
  /** Connect and read timeout of the invoke call. */
  timeoutMs: number;
}

/** `queued`: FC accepted the event. `duplicate`: the task id was already used (FC answered 409). */
export type InvokeOutcome = { status: 'queued'; requestId?: string | undefined } | { status: 'duplicate' };

// The conversation handler must answer DingTalk within milliseconds, so the FC 2.0 SDK client is built once and
// reused while everything it was built from stays the same. One slot is enough: a deployment talks to one
// endpoint, and FC rotates role credentials rarely.
let cachedFc2: { key: readonly unknown[]; invoke: Fc2Invoke } | undefined;

/** Async-invokes reply with FC task-mode de-duplication; 409 (task id already used) → { status: 'duplicate' }. */
export async function invokeReplyAsync(
  target: ReplyInvokeTarget,
  credentials: FcCredentials,
  payload: Buffer,
  taskId: string,
): Promise<InvokeOutcome> {
  const { protocol } = target.endpoint;
  if (protocol !== 'http:' && protocol !== 'https:') throw new InvokeError({ code: 'InvalidEndpoint' });
  if (!target.serviceName) return invokeFc3(target, credentials, payload, taskId);
  const key = [
    target.endpoint.origin,
    credentials.accessKeyId,
    credentials.accessKeySecret,
    credentials.securityToken,
    target.timeoutMs,
    target.accountId,
    target.region,
  ] as const;
  if (cachedFc2 === undefined || !sameKey(cachedFc2.key, key)) {
    cachedFc2 = { key, invoke: createFc2Invoke(target, credentials) };
  }
  return cachedFc2.invoke(target, payload, taskId);
}

function sameKey(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
