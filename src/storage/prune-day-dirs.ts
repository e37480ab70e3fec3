import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../ports';
import { errorCodeOf, hasErrorCode } from './has-error-code';

const DAY_DIR = /^\d{8}$/;

/** The UTC day of `ms` as `yyyymmdd`. */
export function formatUtcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
}

/** Best-effort removal of `yyyymmdd` directories under `root` older than `oldestKept` (except `keep`); never throws. */
export async function pruneDayDirs(
  root: string,
  oldestKept: string,
  keep: string,
  logger: Logger,
): Promise<void> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch (error) {
    if (!hasErrorCode(error, 'ENOENT'))
      logger.warn({ code: errorCodeOf(error) }, 'could not list processed days');
    return;
  }
  const expired = names.filter((name) => DAY_DIR.test(name) && name < oldestKept && name !== keep);
  await Promise.all(
    expired.map(async (name) => {
      try {
        await rm(join(root, name), { recursive: true, force: true });
        logger.info({ day: name }, 'pruned processed-message markers');
      } catch (error) {
        logger.warn({ day: name, code: errorCodeOf(error) }, 'could not prune processed-message markers');
      }
    }),
  );
}
