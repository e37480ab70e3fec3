/** Whether `error` is a Node system error with the given `code` (e.g. 'ENOENT'). */
export function hasErrorCode(error: unknown, code: string): boolean {
  return errorCodeOf(error) === code;
}

/** The system error code of `error` (e.g. 'EIO'), safe to log unlike the message, which holds the path. */
export function errorCodeOf(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : 'unknown';
}
