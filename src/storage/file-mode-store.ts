import { join } from 'node:path';
import type { ChatMode, Logger, ModeStore } from '../ports';
import { appendSeqEntry } from './append-seq-entry';
import { findHeadSeq } from './find-head-seq';
import { readJsonFile } from './read-json-file';
import { formatSeqFileName } from './turn-file';

const SAFE_KEY = /^[A-Za-z0-9_-]{1,128}$/;
// A torn newest file falls back to the ones before it; past this many, the default mode applies.
const READ_BACK = 5;

// Frozen on-disk layout (users' choices must survive upgrades): `<dir>/modes/<senderKey>/<12-digit seq>.json`
// holding {"v":1,"mode":"single"|"chain"|"default","at":ms}. Every change is a new file, so two concurrent
// changes are both kept and the later number wins; nothing is rewritten in place on the OSS mount.
/** Each sender's 单聊/串聊 choice on the history volume. */
export function createFileModeStore(options: { dir: string; logger: Logger }): ModeStore {
  const { logger } = options;
  const dirOf = (senderKey: string): string => {
    if (!SAFE_KEY.test(senderKey)) throw new TypeError('sender key must be a historyKey() hash');
    return join(options.dir, 'modes', senderKey);
  };

  return {
    async get(senderKey) {
      const dir = dirOf(senderKey);
      const head = await findHeadSeq(dir, logger);
      for (let seq = head; seq >= 1 && seq > head - READ_BACK; seq -= 1) {
        const result = await readJsonFile(join(dir, formatSeqFileName(seq)));
        const mode = result.status === 'ok' ? (result.value as { mode?: unknown } | null)?.mode : undefined;
        if (mode === 'single' || mode === 'chain') return mode;
        if (mode === 'default') return undefined;
        logger.warn({ key: senderKey, file: formatSeqFileName(seq) }, 'skipping unreadable mode file');
      }
      return undefined;
    },
    async set(senderKey, mode: ChatMode | undefined) {
      const record = { v: 1, mode: mode ?? 'default', at: Date.now() };
      await appendSeqEntry(dirOf(senderKey), JSON.stringify(record), logger);
    },
  };
}
