import type { ChatMode, Clock, Logger, ModeStore } from '../ports';
import type { DayEntry } from './day-entry-name';
import { formatEntryName, newestFirst, parseEntryName, randomEntryId } from './day-entry-name';
import { errorCodeOf } from './has-error-code';
import { legacySeqs } from './legacy-history';
import type { MessageScope } from './message-scope';
import { createMessageMemo, runLater } from './message-scope';
import { readJsonFile } from './read-json-file';
import { formatSeqFileName } from './turn-file';
import type { Volume } from './volume';

const SAFE_KEY = /^[A-Za-z0-9_-]{1,128}$/;
const MODES = ['single', 'chain', 'default'] as const;
// Choices kept after a change; older ones are removed (the newest is all a read needs).
const KEEP = 4;
// A torn newest v1 file falls back to the ones before it; past this many, the default mode applies.
const LEGACY_READ_BACK = 5;

// Layout: `modes/<senderKey>/<13-digit at>-<16 random hex>-<single|chain|default>`, empty files: one listing
// answers a read, and every change is a new name, so concurrent changes are all written and the latest (by
// time, then id) wins. v1 files of earlier versions (`<12-digit seq>.json` holding {"v":1,"mode","at"}, frozen)
// are read only while a sender has no new entry, and removed once they have one.
/** Each sender's 单聊/串聊 choice on the volume. */
export function createFileModeStore(options: {
  volume: Volume;
  logger: Logger;
  clock?: Clock;
  message?: MessageScope;
}): ModeStore {
  const { volume, logger, message } = options;
  const clock = options.clock ?? Date.now;
  const memo = createMessageMemo(message);
  const dirOf = (senderKey: string): string => {
    if (!SAFE_KEY.test(senderKey)) throw new TypeError('sender key must be a historyKey() hash');
    return `modes/${senderKey}`;
  };
  const listingOf = (senderKey: string) => memo.get(`${senderKey}/list`, () => volume.list(dirOf(senderKey)));

  return {
    async get(senderKey) {
      const dir = dirOf(senderKey);
      return memo.get(`${senderKey}/get`, async () => {
        const names = await listingOf(senderKey);
        const newest = choicesIn(names)[0];
        if (newest !== undefined) return toMode(newest.suffix.slice(1));
        return readLegacyMode(volume, dir, names, senderKey, logger);
      });
    },
    async set(senderKey, mode: ChatMode | undefined) {
      const dir = dirOf(senderKey);
      const listed = listingOf(senderKey);
      const written = formatEntryName(clock(), randomEntryId(), `-${mode ?? 'default'}`);
      memo.forget(`${senderKey}/`);
      await volume.mark(`${dir}/${written}`);
      await runLater(message, async () => {
        const names = await listed.catch(() => undefined);
        if (names === undefined) return;
        // Of the choices older than this one, the newest KEEP - 1 stay; newer ones (made meanwhile) always do.
        const older = choicesIn(names).filter((entry) => entry.name < written);
        const stale = [
          ...older.slice(KEEP - 1).map((entry) => entry.name),
          ...legacySeqs(names).map((seq) => formatSeqFileName(seq)),
          ...(names.includes('head.json') ? ['head.json'] : []),
        ];
        await Promise.all(stale.map((name) => volume.remove(`${dir}/${name}`))).catch((error: unknown) =>
          logger.warn({ key: senderKey, code: errorCodeOf(error) }, 'could not remove old mode choices'),
        );
      });
    },
  };
}

function choicesIn(names: readonly string[]): DayEntry[] {
  return names
    .flatMap((name) => {
      const entry = parseEntryName(name);
      return entry && MODES.some((mode) => entry.suffix === `-${mode}`) ? [entry] : [];
    })
    .sort(newestFirst);
}

function toMode(value: unknown): ChatMode | undefined {
  return value === 'single' || value === 'chain' ? value : undefined;
}

async function readLegacyMode(
  volume: Volume,
  dir: string,
  names: readonly string[],
  senderKey: string,
  logger: Logger,
): Promise<ChatMode | undefined> {
  const seqs = legacySeqs(names).slice(-LEGACY_READ_BACK).reverse();
  const results = await Promise.all(
    seqs.map((seq) => readJsonFile(volume, `${dir}/${formatSeqFileName(seq)}`)),
  );
  for (const [index, result] of results.entries()) {
    const mode = result.status === 'ok' ? (result.value as { mode?: unknown } | null)?.mode : undefined;
    if (mode === 'single' || mode === 'chain' || mode === 'default') return toMode(mode);
    logger.warn(
      { key: senderKey, file: formatSeqFileName(seqs[index] ?? 0) },
      'skipping unreadable mode file',
    );
  }
  return undefined;
}
