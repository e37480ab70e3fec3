import { randomUUID } from 'node:crypto';
import { encodePathSegment, sha256Hex, signAcs3 } from './acs3-signature';
import type { FcCredentials } from './invoke-reply';

/** An asynchronous InvokeFunction call of the FC 3.0 (2023-03-30) API. */
export interface Fc3InvokeCall {
  /** Scheme and host[:port] are used; the path is ignored. */
  endpoint: URL;
  functionName: string;
  payload: Buffer;
  /** Sent as x-fc-async-task-id: FC answers 409 when a task with this id was already accepted. */
  taskId: string;
  credentials: FcCredentials;
}

/** What makes each signature unique; fresh for every request, fixed only to compare with another signer. */
export interface SigningMoment {
  /** x-acs-date: UTC, YYYY-MM-DDTHH:MM:SSZ. */
  date: string;
  /** x-acs-signature-nonce: FC refuses a nonce it has seen before. */
  nonce: string;
}

/** A signed request, ready to send. */
export interface Fc3InvokeRequest {
  /** Percent-encoded, as sent and as signed. */
  path: string;
  /** Lower-case names, Authorization included. */
  headers: Record<string, string>;
  body: Buffer;
  canonicalRequest: string;
}

const USER_AGENT = `dingtalk-llm-connector Node.js/${process.version}`;

/** Builds and signs the request; the headers are those @alicloud/fc20230330 sends for the same call. */
export function buildFc3InvokeRequest(call: Fc3InvokeCall, moment = freshMoment()): Fc3InvokeRequest {
  const { credentials } = call;
  const path = `/2023-03-30/functions/${encodePathSegment(call.functionName)}/invocations`;
  const headers: Record<string, string> = {
    host: call.endpoint.host,
    'x-acs-version': '2023-03-30',
    'x-acs-action': 'InvokeFunction',
    'user-agent': USER_AGENT,
    'x-acs-date': moment.date,
    'x-acs-signature-nonce': moment.nonce,
    accept: 'application/json',
    'x-fc-async-task-id': call.taskId,
    'x-fc-invocation-type': 'Async',
    'content-type': 'application/octet-stream',
    'x-acs-content-sha256': sha256Hex(call.payload),
  };
  if (credentials.securityToken) {
    headers['x-acs-credentials-provider'] = 'static_sts';
    headers['x-acs-accesskey-id'] = credentials.accessKeyId;
    headers['x-acs-security-token'] = credentials.securityToken;
  } else {
    headers['x-acs-credentials-provider'] = 'static_ak';
  }
  const { canonicalRequest, authorization } = signAcs3(
    { method: 'POST', path, headers },
    credentials.accessKeyId,
    credentials.accessKeySecret,
  );
  headers.authorization = authorization;
  return { path, headers, body: call.payload, canonicalRequest };
}

function freshMoment(): SigningMoment {
  return { date: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), nonce: randomUUID() };
}
