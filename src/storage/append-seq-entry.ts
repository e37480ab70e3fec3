import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../ports';
import { findHeadSeq, raiseHeadHint } from './find-head-seq';
import { hasErrorCode } from './has-error-code';
import { writeFileNoFollow } from './no-follow-file';
import { formatSeqFileName } from './turn-file';

/**
 * Creates the next free numbered file in `dir` exclusively and returns its number. Concurrent writers in
 * separate instances each get their own number: nothing is overwritten (rename is not atomic on the OSS mount).
 */
export async function appendSeqEntry(dir: string, data: string, logger: Logger): Promise<number> {
  let seq = (await findHeadSeq(dir, logger)) + 1;
  let madeDir = false;
  for (;;) {
    try {
      await writeFileNoFollow(join(dir, formatSeqFileName(seq)), data, { exclusive: true });
      break;
    } catch (error) {
      if (hasErrorCode(error, 'ENOENT') && !madeDir) {
        await mkdir(dir, { recursive: true });
        madeDir = true;
      } else if (hasErrorCode(error, 'EEXIST')) {
        // Another writer won this number: re-probe (a few stats) instead of blindly trying seq + 1, so the
        // next attempt is again checked against concurrent clears.
        seq = (await findHeadSeq(dir, logger)) + 1;
      } else {
        throw error;
      }
    }
  }
  await raiseHeadHint(dir, seq, logger);
  return seq;
}
