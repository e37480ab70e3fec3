import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findHeadSeq, raiseHeadHint } from '../../../src/storage/find-head-seq';
import { formatSeqFileName } from '../../../src/storage/turn-file';
import { createCaptureLogger, createTempDir } from './capture-logger';

describe('the head hint', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
  });
  afterEach(() => remove());

  it('is never lowered by an append that finished late, below a gap a clear left (a CI flake, made deterministic)', async () => {
    const { logger } = createCaptureLogger();
    for (let seq = 1; seq <= 9; seq += 1) await writeFile(join(dir, formatSeqFileName(seq)), '{}');
    await writeFile(join(dir, 'head.json'), JSON.stringify({ seq: 9 }));
    // A clear deleted 2..7 below its marker at 8; then a slow writer that had computed seq 2 long ago lands there.
    for (let seq = 2; seq <= 7; seq += 1) await rm(join(dir, formatSeqFileName(seq)));
    await writeFile(join(dir, formatSeqFileName(2)), '{}');
    await raiseHeadHint(dir, 2, logger);
    expect(await findHeadSeq(dir, logger)).toBe(9);
  });

  it('is raised by a higher append', async () => {
    const { logger } = createCaptureLogger();
    for (let seq = 1; seq <= 3; seq += 1) await writeFile(join(dir, formatSeqFileName(seq)), '{}');
    await raiseHeadHint(dir, 3, logger);
    await writeFile(join(dir, formatSeqFileName(4)), '{}');
    await raiseHeadHint(dir, 4, logger);
    expect(await findHeadSeq(dir, logger)).toBe(4);
  });
});
