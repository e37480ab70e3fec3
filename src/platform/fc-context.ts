import type { Env } from '../config/read-env';
import { readEnv } from '../config/read-env';

/** The parts of FC 3.0's invocation context this project reads. */
export interface FcContext {
  requestId?: string;
  credentials?: { accessKeyId?: string; accessKeySecret?: string; securityToken?: string } | undefined;
  function?: { name?: string } | undefined;
  region?: string;
  accountId?: string;
}

export interface RoleCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string | undefined;
}

/** The function role's temporary credentials: from the context (per invocation), else FC's ALIBABA_CLOUD_* variables. */
export function readRoleCredentials(context: FcContext, env: Env): RoleCredentials | undefined {
  const fromContext = context.credentials;
  if (fromContext?.accessKeyId && fromContext.accessKeySecret) {
    return {
      accessKeyId: fromContext.accessKeyId,
      accessKeySecret: fromContext.accessKeySecret,
      securityToken: fromContext.securityToken || undefined,
    };
  }
  const accessKeyId = readEnv(env, ['ALIBABA_CLOUD_ACCESS_KEY_ID'])?.value;
  const accessKeySecret = readEnv(env, ['ALIBABA_CLOUD_ACCESS_KEY_SECRET'])?.value;
  if (!accessKeyId || !accessKeySecret) return undefined;
  return {
    accessKeyId,
    accessKeySecret,
    securityToken: readEnv(env, ['ALIBABA_CLOUD_SECURITY_TOKEN'])?.value,
  };
}
