import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Turn } from '../../../src/ports';
import { messageEntryId } from '../../../src/storage/day-entry-name';
import { createFileHistoryStore } from '../../../src/storage/file-history-store';
import { historyKey } from '../../../src/storage/history-key';
import { formatUtcDay } from '../../../src/storage/local-day';
import { meterVolume } from '../../../src/storage/metered-volume';
import { createNodeVolume } from '../../../src/storage/node-volume';
import { MAX_COPIED_TURNS, RECENT_COPY_FILE } from '../../../src/storage/recent-turns-copy';
import type { Volume } from '../../../src/storage/volume';
import { wrapVolume } from '../../../src/storage/wrap-volume';
import { createCaptureLogger, createTempDir } from './capture-logger';

const KEY = historyKey(['conversation', 'sender']);
const NOW = Date.UTC(2024, 0, 10, 12);

function turn(n: number): Turn {
  return {
    msgId: `msg${n}`,
    question: `问题 ${n}`,
    answer: `回答 ${n}`,
    at: NOW - 100 * 60_000 + n * 60_000,
  };
}

/** A volume that records the paths it reads. */
function readsOf(volume: Volume): { volume: Volume; reads: string[] } {
  const reads: string[] = [];
  const watched = wrapVolume(volume, (run) => run());
  return {
    reads,
    volume: {
      ...watched,
      read: (path) => {
        reads.push(path);
        return watched.read(path);
      },
    },
  };
}

describe('the recent turns copy', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let capture: ReturnType<typeof createCaptureLogger>;
  const keyDir = () => join(dir, 'history', KEY);
  const fileOf = (t: Turn) =>
    join(
      keyDir(),
      'days',
      formatUtcDay(t.at),
      `${String(t.at).padStart(13, '0')}-${messageEntryId(t.msgId)}.json`,
    );
  /** What the reply does per message: load the window, then append the answer, with a fresh store. */
  const answer = async (t: Turn, volume: Volume = createNodeVolume(dir), window = 5) => {
    const store = createFileHistoryStore({ volume, logger: capture.logger, clock: () => NOW });
    const loaded = await store.load(KEY, window);
    await store.append(KEY, t);
    return loaded;
  };

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
    capture = createCaptureLogger();
  });
  afterEach(() => remove());

  it('lets the next message read one file instead of one per turn, in the same round trips', async () => {
    for (let n = 1; n <= 8; n += 1) await answer(turn(n));
    const { volume, reads } = readsOf(createNodeVolume(dir));
    const meter = meterVolume(volume);
    const store = createFileHistoryStore({ volume: meter.volume, logger: capture.logger, clock: () => NOW });
    expect((await store.load(KEY, 5)).map((t) => t.msgId)).toEqual(['msg4', 'msg5', 'msg6', 'msg7', 'msg8']);
    expect(reads.filter((path) => path.includes('/days/'))).toEqual([]);
    expect(reads).toContain(`history/${KEY}/${RECENT_COPY_FILE}`);
    expect(meter.counts().beforeModel.roundTrips).toBe(1);
  });

  it('reads from the turn files what the copy lacks: a turn another instance wrote meanwhile', async () => {
    for (let n = 1; n <= 4; n += 1) await answer(turn(n));
    // Another instance answered without the copy seeing it (its copy lost the race).
    const other = createFileHistoryStore({ volume: createNodeVolume(dir), logger: capture.logger });
    await other.append(KEY, turn(5));
    const { volume, reads } = readsOf(createNodeVolume(dir));
    const loaded = await answer(turn(6), volume);
    expect(loaded.map((t) => t.msgId)).toEqual(['msg1', 'msg2', 'msg3', 'msg4', 'msg5']);
    expect(reads.filter((path) => path.includes('/days/'))).toEqual([
      `history/${KEY}/days/${formatUtcDay(turn(5).at)}/${fileOf(turn(5)).split('/').pop()}`,
    ]);
  });

  it('never takes from the copy what the listings do not show: cleared and removed turns stay gone', async () => {
    for (let n = 1; n <= 4; n += 1) await answer(turn(n));
    await rm(fileOf(turn(4)));
    expect((await answer(turn(5))).map((t) => t.msgId)).toEqual(['msg1', 'msg2', 'msg3']);
    const store = createFileHistoryStore({ volume: createNodeVolume(dir), logger: capture.logger });
    await store.clear(KEY);
    expect(await store.load(KEY, 5)).toEqual([]);
    // The clear's clean-up takes the copy too: cleared text is not kept in it.
    expect(await readdir(keyDir())).not.toContain(RECENT_COPY_FILE);
  });

  it('is only a copy: a torn or foreign one is ignored, and the turn files answer', async () => {
    for (let n = 1; n <= 3; n += 1) await answer(turn(n));
    const copyPath = join(keyDir(), RECENT_COPY_FILE);
    for (const broken of ['{"v":1,"type":"rec', '{"type":"recent","turns":[{"day":1}]}', '[]', '']) {
      await writeFile(copyPath, broken);
      const store = createFileHistoryStore({ volume: createNodeVolume(dir), logger: capture.logger });
      expect((await store.load(KEY, 5)).map((t) => t.msgId)).toEqual(['msg1', 'msg2', 'msg3']);
    }
    expect(capture.warnings()).toEqual([]);
  });

  it('keeps at most the newest turns it may need, and an answer still stands when the copy cannot be written', async () => {
    for (let n = 1; n <= MAX_COPIED_TURNS + 5; n += 1) await answer(turn(n), undefined, 100);
    const copy = JSON.parse(await readFile(join(keyDir(), RECENT_COPY_FILE), 'utf8')) as { turns: Turn[] };
    expect(copy.turns).toHaveLength(MAX_COPIED_TURNS);
    expect(copy.turns.at(-1)).toMatchObject(turn(MAX_COPIED_TURNS + 5));

    const refusing: Volume = {
      ...createNodeVolume(dir),
      write: (path, data, options) =>
        path.endsWith(RECENT_COPY_FILE)
          ? Promise.reject(Object.assign(new Error('no space'), { code: 'ENOSPC' }))
          : createNodeVolume(dir).write(path, data, options),
    };
    await answer(turn(100), refusing);
    expect(JSON.parse(await readFile(fileOf(turn(100)), 'utf8'))).toMatchObject({ msgId: 'msg100' });
  });
});
