import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Turn } from '../../../src/ports';
import { messageEntryId } from '../../../src/storage/day-entry-name';
import { createFileHistoryStore } from '../../../src/storage/file-history-store';
import { historyKey } from '../../../src/storage/history-key';
import { createHistoryMemory } from '../../../src/storage/history-memory';
import { formatUtcDay } from '../../../src/storage/local-day';
import { meterVolume } from '../../../src/storage/metered-volume';
import { createNodeVolume } from '../../../src/storage/node-volume';
import { MAX_EARLIER_TURNS } from '../../../src/storage/turn-copies';
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

/** A volume that records the paths it reads and writes. */
function watch(volume: Volume): { volume: Volume; reads: string[]; writes: string[] } {
  const reads: string[] = [];
  const writes: string[] = [];
  const watched = wrapVolume(volume, (run) => run());
  return {
    reads,
    writes,
    volume: {
      ...watched,
      read: (path) => {
        reads.push(path);
        return watched.read(path);
      },
      write: (path, data, options) => {
        writes.push(path);
        return watched.write(path, data, options);
      },
    },
  };
}

describe('the copies a turn record carries of the turns before it', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let capture: ReturnType<typeof createCaptureLogger>;
  const keyDir = () => join(dir, 'history', KEY);
  const nameOf = (t: Turn) => `${String(t.at).padStart(13, '0')}-${messageEntryId(t.msgId)}.json`;
  const pathOf = (t: Turn) => `history/${KEY}/days/${formatUtcDay(t.at)}/${nameOf(t)}`;
  const fileOf = (t: Turn) => join(dir, pathOf(t));
  const storeOn = (volume: Volume = createNodeVolume(dir)) =>
    createFileHistoryStore({ volume, logger: capture.logger, clock: () => NOW });
  /** What the reply does per message on an instance that has seen nothing: load the window, then append. */
  const answer = async (t: Turn, volume: Volume = createNodeVolume(dir), window = 5) => {
    const store = storeOn(volume);
    const loaded = await store.load(KEY, window);
    await store.append(KEY, t);
    return loaded;
  };
  const ids = (turns: Turn[]) => turns.map((t) => t.msgId);

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
    capture = createCaptureLogger();
  });
  afterEach(() => remove());

  it('let an instance that saw nothing read the newest record instead of one file per turn', async () => {
    for (let n = 1; n <= 8; n += 1) await answer(turn(n));
    const { volume, reads, writes } = watch(createNodeVolume(dir));
    const meter = meterVolume(volume);
    const store = storeOn(meter.volume);
    expect(ids(await store.load(KEY, 5))).toEqual(['msg4', 'msg5', 'msg6', 'msg7', 'msg8']);
    expect(reads).toEqual([pathOf(turn(8))]);
    // The listings, then the newest record.
    expect(meter.counts().beforeModel.roundTrips).toBe(2);
    // An answer is one file: the turn, carrying the copies.
    await store.append(KEY, turn(9));
    expect(writes).toEqual([pathOf(turn(9))]);
    expect(await readdir(keyDir())).toEqual(['days']);
  });

  it('carry as many turns as the next load needs besides the record itself, and at most MAX_EARLIER_TURNS', async () => {
    for (let n = 1; n <= 8; n += 1) await answer(turn(n));
    const stored = JSON.parse(await readFile(fileOf(turn(8)), 'utf8')) as Turn & { earlier: unknown[] };
    expect(stored).toMatchObject({ v: 1, type: 'turn', msgId: 'msg8', question: '问题 8', answer: '回答 8' });
    expect(stored.earlier).toEqual(
      [4, 5, 6, 7].map((n) => ({ day: formatUtcDay(turn(n).at), name: nameOf(turn(n)), ...turn(n) })),
    );

    for (let n = 9; n <= MAX_EARLIER_TURNS + 12; n += 1) await answer(turn(n), undefined, 100);
    const last = turn(MAX_EARLIER_TURNS + 12);
    const big = JSON.parse(await readFile(fileOf(last), 'utf8')) as { earlier: Turn[] };
    expect(big.earlier).toHaveLength(MAX_EARLIER_TURNS);
    expect(big.earlier.at(-1)).toMatchObject(turn(MAX_EARLIER_TURNS + 11));

    // With a window of one, the record alone is all a load needs.
    await answer(turn(99), undefined, 1);
    expect(JSON.parse(await readFile(fileOf(turn(99)), 'utf8'))).not.toHaveProperty('earlier');
  });

  it('miss what another instance wrote meanwhile: that turn is read from its own file', async () => {
    for (let n = 1; n <= 3; n += 1) await answer(turn(n));
    // Two instances load the same three turns; each answers, unaware of the other.
    const [a, b] = [storeOn(), storeOn()];
    await Promise.all([a.load(KEY, 5), b.load(KEY, 5)]);
    await a.append(KEY, turn(4));
    await b.append(KEY, turn(5));
    const { volume, reads } = watch(createNodeVolume(dir));
    const meter = meterVolume(volume);
    expect(ids(await storeOn(meter.volume).load(KEY, 5))).toEqual(['msg1', 'msg2', 'msg3', 'msg4', 'msg5']);
    expect(reads).toEqual([pathOf(turn(5)), pathOf(turn(4))]);
    expect(meter.counts().beforeModel.roundTrips).toBe(3);
  });

  it('are not needed: records without them (written by an earlier version) are read one by one', async () => {
    for (let n = 1; n <= 3; n += 1) {
      const { msgId, question, answer: text, at } = turn(n);
      await mkdir(join(keyDir(), 'days', formatUtcDay(at)), { recursive: true });
      await writeFile(
        fileOf(turn(n)),
        JSON.stringify({ v: 1, type: 'turn', msgId, question, answer: text, at }),
      );
    }
    const { volume, reads } = watch(createNodeVolume(dir));
    expect(ids(await answer(turn(4), volume))).toEqual(['msg1', 'msg2', 'msg3']);
    expect(reads.filter((path) => path.includes('/days/')).sort()).toEqual(
      [1, 2, 3].map((n) => pathOf(turn(n))).sort(),
    );
    // The next load finds them all in the new record.
    const next = watch(createNodeVolume(dir));
    expect(ids(await storeOn(next.volume).load(KEY, 5))).toEqual(['msg1', 'msg2', 'msg3', 'msg4']);
    expect(next.reads.filter((path) => path.includes('/days/'))).toEqual([pathOf(turn(4))]);
  });

  it('never bring back what the listings do not show: removed and cleared turns stay gone', async () => {
    for (let n = 1; n <= 4; n += 1) await answer(turn(n));
    await rm(fileOf(turn(2)));
    // Record 4 still carries a copy of turn 2; without its record, turn 2 is not in the history.
    expect(ids(await answer(turn(5)))).toEqual(['msg1', 'msg3', 'msg4']);
    const store = storeOn();
    await store.clear(KEY);
    expect(await store.load(KEY, 5)).toEqual([]);
    expect(await answer(turn(6))).toEqual([]);
    expect(JSON.parse(await readFile(fileOf(turn(6)), 'utf8'))).not.toHaveProperty('earlier');
  });

  it('are only copies: torn or foreign ones are ignored, and the turn files answer', async () => {
    for (let n = 1; n <= 3; n += 1) await answer(turn(n));
    const { msgId, question, answer: text, at } = turn(3);
    const record = { v: 1, type: 'turn', msgId, question, answer: text, at };
    const foreign = [
      'not a list',
      [{ day: 1 }],
      [{ ...turn(1), day: formatUtcDay(turn(1).at) }],
      [{ name: nameOf(turn(2)), day: formatUtcDay(turn(2).at), msgId: 'm', question: 1, answer: 'x', at: 0 }],
    ];
    for (const earlier of foreign) {
      await writeFile(fileOf(turn(3)), JSON.stringify({ ...record, earlier }));
      expect(ids(await storeOn().load(KEY, 5))).toEqual(['msg1', 'msg2', 'msg3']);
    }
    expect(capture.warnings()).toEqual([]);
  });

  it('replace the recent.json copy of earlier versions: it is neither read nor written, and a clear removes it', async () => {
    for (let n = 1; n <= 3; n += 1) await answer(turn(n));
    const stale = { ...turn(3), day: formatUtcDay(turn(3).at), name: nameOf(turn(3)), answer: '旧副本' };
    await writeFile(join(keyDir(), 'recent.json'), JSON.stringify({ v: 1, type: 'recent', turns: [stale] }));
    const { volume, reads, writes } = watch(createNodeVolume(dir));
    const loaded = await answer(turn(4), volume);
    expect(loaded.at(-1)?.answer).toBe('回答 3');
    expect([...reads, ...writes].filter((path) => path.endsWith('recent.json'))).toEqual([]);
    await storeOn().clear(KEY);
    expect(await readdir(keyDir())).not.toContain('recent.json');
  });

  it('are shared with the instance memory: a remembered history reads nothing, a forgotten one its newest record', async () => {
    const memory = createHistoryMemory();
    const remembering = (volume: Volume) =>
      createFileHistoryStore({ volume, logger: capture.logger, clock: () => NOW, memory });
    for (let n = 1; n <= 6; n += 1) {
      const store = remembering(createNodeVolume(dir));
      await store.load(KEY, 5);
      await store.append(KEY, turn(n));
    }
    const newestFive = ['msg2', 'msg3', 'msg4', 'msg5', 'msg6'];
    const warm = watch(createNodeVolume(dir));
    expect(ids(await remembering(warm.volume).load(KEY, 5))).toEqual(newestFive);
    expect(warm.reads).toEqual([]);
    memory.delete(KEY);
    const cold = watch(createNodeVolume(dir));
    expect(ids(await remembering(cold.volume).load(KEY, 5))).toEqual(newestFive);
    expect(cold.reads).toEqual([pathOf(turn(6))]);
  });
});
