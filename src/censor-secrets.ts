// Field names whose values are credentials. The code never puts them in log objects; this is defence in depth.
const SECRET_FIELDS = new Set([
  'sign',
  'authorization',
  'sessionWebhook',
  'apiKey',
  'appSecret',
  'accessKeySecret',
  'securityToken',
  'accessToken',
]);
const CENSORED = '[redacted]';

/**
 * `fields` with the value of every secret field censored, at the top and one level down (as `headers.sign`):
 * the object itself when it holds none, which is every line the code writes, so a line costs a look at its
 * keys and no copy; otherwise a copy (the caller's object is left as it is).
 */
export function censorSecrets(fields: Record<string, unknown>): Record<string, unknown> {
  let censored: Record<string, unknown> | undefined;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    const replacement = SECRET_FIELDS.has(key) && value !== undefined ? CENSORED : censorNested(value);
    if (replacement === value) continue;
    censored ??= { ...fields };
    censored[key] = replacement;
  }
  return censored ?? fields;
}

function censorNested(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    if (!SECRET_FIELDS.has(key)) continue;
    copy ??= value instanceof Error ? errorFields(value) : { ...value };
    copy[key] = CENSORED;
  }
  return copy ?? value;
}

/** A copy of an error that still reads as one (its class, message and stack), own fields included. */
function errorFields(error: Error): Record<string, unknown> {
  return Object.assign(Object.create(Object.getPrototypeOf(error)) as Record<string, unknown>, error, {
    message: error.message,
    stack: error.stack,
  });
}
