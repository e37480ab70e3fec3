import { InvokeError } from './invoke-error';
import { createFc2Invoke } from './invoke-reply-fc2';
import { createFc3Invoke } from './invoke-reply-fc3';

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
  /** Set: FC 2.0 service API via @alicloud/fc2. Unset: FC 3.0 API via @alicloud/fc20230330. */
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

type Invoke = (target: ReplyInvokeTarget, payload: Buffer, taskId: string) => Promise<InvokeOutcome>;

// The conversation handler must answer DingTalk within milliseconds, so the SDK client is built once and
// reused while everything it was built from stays the same. One slot is enough: a deployment talks to one
// endpoint, and FC rotates role credentials rarely.
let cached: { key: readonly unknown[]; invoke: Invoke } | undefined;

/** Async-invokes reply with FC task-mode de-duplication; 409 (task id already used) → { status: 'duplicate' }. */
export async function invokeReplyAsync(
  target: ReplyInvokeTarget,
  credentials: FcCredentials,
  payload: Buffer,
  taskId: string,
): Promise<InvokeOutcome> {
  const { protocol } = target.endpoint;
  if (protocol !== 'http:' && protocol !== 'https:') throw new InvokeError({ code: 'InvalidEndpoint' });
  const legacy = Boolean(target.serviceName);
  const key = [
    legacy,
    target.endpoint.origin,
    credentials.accessKeyId,
    credentials.accessKeySecret,
    credentials.securityToken,
    target.timeoutMs,
    // Only the FC 2.0 client is built with these.
    legacy ? target.accountId : undefined,
    legacy ? target.region : undefined,
  ] as const;
  if (cached === undefined || !sameKey(cached.key, key)) {
    const create = legacy ? createFc2Invoke : createFc3Invoke;
    cached = { key, invoke: create(target, credentials) };
  }
  return cached.invoke(target, payload, taskId);
}

function sameKey(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
