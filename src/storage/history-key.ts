import { createHash } from 'node:crypto';

/** A file-safe history key (32 hex chars): sha256 of the parts joined by '\n', so no raw id ever reaches a path. */
export function historyKey(parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
}
