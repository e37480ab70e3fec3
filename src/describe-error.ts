/** What may be logged about an error: no URLs (webhooks are credentials), no request configs, no headers. */
export interface ErrorSummary {
  type: string;
  message: string;
  code?: string;
  status?: number;
}

const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;

/** Reduces any thrown value to a summary that is safe to log. */
export function describeError(error: unknown): ErrorSummary {
  if (!(error instanceof Error)) return { type: typeof error, message: 'non-error value thrown' };
  const summary: ErrorSummary = {
    type: error.name,
    message: error.message.replace(URL_PATTERN, '[url]').slice(0, 300),
  };
  const { code, status } = error as { code?: unknown; status?: unknown };
  if (typeof code === 'string' || typeof code === 'number') summary.code = String(code);
  if (typeof status === 'number') summary.status = status;
  return summary;
}
