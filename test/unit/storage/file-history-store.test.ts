import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Turn } from '../../../src/ports';
import { messageEntryId } from '../../../src/storage/day-entry-name';
import { createFileHistoryStore } from '../../../src/storage/file-history-store';
import { historyKey } from '../../../src/storage/history-key';
import type { HistoryMemory } from '../../../src/storage/history-memory';
import { createHistoryMemory, MAX_REMEMBERED_TURNS } from '../../../src/storage/history-memory';
import { formatUtcDay } from '../../../src/storage/local-day';
import type { MessageScope } from '../../../src/storage/message-scope';
import { meterVolume } from '../../../src/storage/metered-volume';
import { createNodeVolume } from '../../../src/storage/node-volume';
import { encodeClearMarker, encodeTurn, formatSeqFileName } from '../../../src/storage/turn-file';
import { createCaptureLogger, createTempDir } from './capture-logger';

const KEY = historyKey(['cid+/=', '$:LWCP_v1:$staff==']);
const HOUR = 3_600_000;
// 2024-01-10 12:00 UTC.
const NOW = Date.UTC(2024, 0, 10, 12);

/** Turn n, by default stored n minutes after NOW - 100 min: the larger n, the newer. */
function turn(n: number, at = NOW - 100 * 60_000 + n * 60_000): Turn {
  return { msgId: `msg${n}`, question: `问题 ${n}`, answer: `回答 ${n}`, at };
}

describe('createFileHistoryStore', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let capture: ReturnType<typeof createCaptureLogger>;
  let now: number;
  let keyDir: string;
  const store = (options: { message?: MessageScope } = {}) =>
    createFileHistoryStore({
      volume: createNodeVolume(dir),
      logger: capture.logger,
      clock: () => now,
      ...options,
    });
  const appendAll = async (turns: Turn[]) => {
    for (const t of turns) await store().append(KEY, t);
  };
  const msgIds = (turns: Turn[]) => turns.map((t) => t.msgId);
  const fileOf = (t: Turn) =>
    join(
      keyDir,
      'days',
      formatUtcDay(t.at),
      `${String(t.at).padStart(13, '0')}-${messageEntryId(t.msgId)}.json`,
    );
  const v1File = (seq: number) => join(keyDir, formatSeqFileName(seq));
  const writeV1 = async (turns: Turn[], head = turns.length) => {
    await mkdir(keyDir, { recursive: true });
    for (const [index, t] of turns.entries()) await writeFile(v1File(index + 1), encodeTurn(t));
    await writeFile(join(keyDir, 'head.json'), JSON.stringify({ seq: head }));
  };

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
    capture = createCaptureLogger();
    now = NOW;
    keyDir = join(dir, 'history', KEY);
  });
  afterEach(() => remove());

  it('stores one file per turn, named by its time and msgId, in its UTC day, and loads them oldest first', async () => {
    await appendAll([turn(1), turn(2), turn(3)]);
    expect(await store().load(KEY, 10)).toEqual([turn(1), turn(2), turn(3)]);
    expect(await readdir(join(keyDir, 'days'))).toEqual(['20240110']);
    expect(JSON.parse(await readFile(fileOf(turn(2)), 'utf8'))).toEqual({ v: 1, type: 'turn', ...turn(2) });
  });

  it('orders by time, not by when a file was written: a late write lands in its place', async () => {
    await appendAll([turn(3), turn(1), turn(2)]);
    expect(msgIds(await store().load(KEY, 2))).toEqual(['msg2', 'msg3']);
  });

  it('returns an empty history for an unknown key without creating anything', async () => {
    expect(await store().load(KEY, 5)).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('finds the newest turns across days, listing older days only when the recent ones do not hold enough', async () => {
    // Ten turns a day over ten days, the newest day today.
    const turns = Array.from({ length: 100 }, (_, i) => turn(i, NOW - (99 - i) * 2.4 * HOUR));
    await appendAll(turns);
    const meter = meterVolume(createNodeVolume(dir));
    const metered = createFileHistoryStore({
      volume: meter.volume,
      logger: capture.logger,
      clock: () => now,
    });
    expect(msgIds(await metered.load(KEY, 5))).toEqual(['msg95', 'msg96', 'msg97', 'msg98', 'msg99']);
    // One round trip of listings (the days, today, yesterday), then the newest record, then the four its copies
    // lack: appended without a load, these records carry none (turn-copies.test.ts has those that do).
    expect(meter.counts().beforeModel).toEqual({ roundTrips: 3, ops: 8 });
    expect(msgIds(await store().load(KEY, 35))).toEqual(msgIds(turns.slice(65)));
    now = NOW + 30 * 24 * HOUR;
    expect(msgIds(await store().load(KEY, 3))).toEqual(['msg97', 'msg98', 'msg99']);
  });

  describe('with what the instance remembers of each history (createHistoryMemory)', () => {
    const counted = (memory: HistoryMemory) => {
      const meter = meterVolume(createNodeVolume(dir));
      const metered = createFileHistoryStore({
        volume: meter.volume,
        logger: capture.logger,
        clock: () => now,
        memory,
      });
      return { metered, meter };
    };
    // Two turns yesterday, then four today (NOW is 12:00 UTC).
    const history = [turn(1, NOW - 20 * HOUR), turn(2, NOW - 19 * HOUR), turn(3), turn(4), turn(5), turn(6)];

    it('lists only today and reads nothing more once it knows today holds enough, with the same turns', async () => {
      await appendAll(history);
      const memory = createHistoryMemory();
      const first = counted(memory);
      expect(msgIds(await first.metered.load(KEY, 3))).toEqual(['msg4', 'msg5', 'msg6']);
      // Nothing remembered yet: the day folders, today and yesterday; then the newest turn file, then the two
      // its copies lack (appended without a load, it carries none).
      expect(first.meter.counts().beforeModel).toEqual({ roundTrips: 3, ops: 6 });
      expect(memory.get(KEY)).toMatchObject({ day: '20240110', records: 4 });
      await first.metered.append(KEY, turn(7));
      expect(memory.get(KEY)?.records).toBe(5);
      expect(memory.get(KEY)?.newest.map((entry) => entry.turn.msgId)).toEqual([
        'msg4',
        'msg5',
        'msg6',
        'msg7',
      ]);
      const second = counted(memory);
      expect(msgIds(await second.metered.load(KEY, 3))).toEqual(['msg5', 'msg6', 'msg7']);
      // Today's listing alone: the turns are the remembered ones it lists.
      expect(second.meter.counts().beforeModel).toEqual({ roundTrips: 1, ops: 1 });
      // More than today holds: every listing up front, as without memory; the last load left the three turns it
      // returned, so four turn files are read.
      const third = counted(memory);
      expect(msgIds(await third.metered.load(KEY, 7))).toEqual(msgIds([...history, turn(7)]));
      expect(third.meter.counts().beforeModel.ops).toBe(3 + 4);
    });

    it('takes a remembered turn only while its record is listed, and reads what another instance added', async () => {
      await appendAll(history);
      const memory = createHistoryMemory();
      await counted(memory).metered.load(KEY, 3);
      await rm(fileOf(turn(6)));
      await store().append(KEY, turn(8));
      expect(msgIds(await counted(memory).metered.load(KEY, 3))).toEqual(['msg4', 'msg5', 'msg8']);
    });

    it("still finds older turns when today's records went behind its back", async () => {
      await appendAll(history);
      const memory = createHistoryMemory();
      memory.set(KEY, { day: '20240110', records: 40, newest: [] });
      await rm(fileOf(turn(5)));
      await rm(fileOf(turn(6)));
      const { metered, meter } = counted(memory);
      expect(msgIds(await metered.load(KEY, 3))).toEqual(['msg2', 'msg3', 'msg4']);
      // The day folders are listed once today's records run out, then yesterday's, then the turns are read (the
      // newest first: appended without a load, it carries no copies of the others).
      expect(meter.counts().beforeModel.roundTrips).toBe(5);
      expect(memory.get(KEY)?.records).toBe(2);
    });

    it('lists everything again on a new day, and forgets the history on a clear', async () => {
      await appendAll(history);
      const memory = createHistoryMemory();
      memory.set(KEY, { day: '20240109', records: 40, newest: [] });
      const { metered, meter } = counted(memory);
      expect(msgIds(await metered.load(KEY, 2))).toEqual(['msg5', 'msg6']);
      // The day folders, today and yesterday, then the two turn files.
      expect(meter.counts().beforeModel.ops).toBe(5);
      await counted(memory).metered.clear(KEY);
      expect(memory.get(KEY)).toBeUndefined();
      expect(await counted(memory).metered.load(KEY, 2)).toEqual([]);
    });

    it('keeps at most the given number of histories and of turns each, the least recently set going first', () => {
      const memory = createHistoryMemory(2);
      const newest = Array.from({ length: MAX_REMEMBERED_TURNS + 5 }, (_, n) => ({
        day: '20240110',
        name: `${n}`,
        turn: turn(n),
      }));
      memory.set('a', { day: '20240110', records: 1, newest: [] });
      memory.set('b', { day: '20240110', records: 1, newest: [] });
      memory.set('a', { day: '20240110', records: 2, newest });
      memory.set('c', { day: '20240110', records: 1, newest: [] });
      expect(memory.get('b')).toBeUndefined();
      expect(memory.get('a')?.newest).toEqual(newest.slice(-MAX_REMEMBERED_TURNS));
      expect(memory.get('c')?.records).toBe(1);
    });
  });

  it('costs the same few operations for 10 stored turns as for 2,000', async () => {
    const sized = async (count: number, key: string) => {
      for (let i = 0; i < count; i += 1) {
        const t = turn(i, NOW - (count - i) * 5 * 60_000);
        const day = join(dir, 'history', key, 'days', formatUtcDay(t.at));
        await mkdir(day, { recursive: true });
        await writeFile(
          join(day, `${String(t.at).padStart(13, '0')}-${messageEntryId(t.msgId)}.json`),
          encodeTurn(t),
        );
      }
      const meter = meterVolume(createNodeVolume(dir));
      await createFileHistoryStore({ volume: meter.volume, logger: capture.logger, clock: () => now }).load(
        key,
        5,
      );
      return meter.counts().beforeModel;
    };
    expect(await sized(2_000, historyKey(['big']))).toEqual(await sized(10, historyKey(['small'])));
  });

  it('reads only the window: broken files older than it are never opened', async () => {
    const turns = Array.from({ length: 10 }, (_, i) => turn(i));
    await appendAll(turns);
    for (const t of turns.slice(0, 7)) await writeFile(fileOf(t), 'garbage');
    expect(msgIds(await store().load(KEY, 3))).toEqual(['msg7', 'msg8', 'msg9']);
    expect(capture.warnings()).toEqual([]);
  });

  it('returns [] for maxTurns 0 without touching the disk', async () => {
    // A regular file as the root: any disk access below it fails with ENOTDIR.
    const notADir = join(dir, 'file');
    await writeFile(notADir, '');
    const blocked = createFileHistoryStore({ volume: createNodeVolume(notADir), logger: capture.logger });
    expect(await blocked.load(KEY, 0)).toEqual([]);
    await expect(blocked.load(KEY, 1)).rejects.toThrow();
  });

  it('clears: load is empty, what the marker hides is removed, new turns are visible', async () => {
    await appendAll([turn(1, NOW - 30 * HOUR), turn(2, NOW - 3 * HOUR), turn(3, NOW - 2 * HOUR)]);
    await store().clear(KEY);
    expect(await store().load(KEY, 10)).toEqual([]);
    // The day before is gone whole, today keeps only the marker.
    expect(await readdir(join(keyDir, 'days'))).toEqual(['20240110']);
    const [marker, ...others] = await readdir(join(keyDir, 'days', '20240110'));
    expect(others).toEqual([]);
    expect(marker).toMatch(/^\d{13}-[0-9a-f]{16}\.clear\.json$/);
    now += 60_000;
    await appendAll([turn(5, now), turn(6, now + 1)]);
    expect(msgIds(await store().load(KEY, 10))).toEqual(['msg5', 'msg6']);
  });

  it('orders a clear after every turn stored before it, even with turns being stored alongside', async () => {
    await appendAll(Array.from({ length: 10 }, (_, i) => turn(i)));
    now = NOW;
    await Promise.all([
      store().clear(KEY),
      ...Array.from({ length: 10 }, (_, i) => store().append(KEY, turn(20 + i, NOW - 9 + 2 * i))),
    ]);
    const visible = msgIds(await store().load(KEY, 100));
    // Turns stamped after the marker's time are visible, those before it are not.
    expect(visible).toEqual(['msg25', 'msg26', 'msg27', 'msg28', 'msg29']);
  });

  it('leaves cleared files for the next clear when there are too many, still hiding them', async () => {
    const many = Array.from({ length: 200 }, (_, i) => turn(i, NOW - HOUR + i));
    await appendAll(many);
    await store().clear(KEY);
    expect(await store().load(KEY, 10)).toEqual([]);
    expect((await readdir(join(keyDir, 'days', '20240110'))).length).toBe(200 + 1 - 128);
    expect(capture.lines.some((line) => line.msg === 'cleared history files left for a later clear')).toBe(
      true,
    );
    now += 1000;
    await store().clear(KEY);
    expect((await readdir(join(keyDir, 'days', '20240110'))).length).toBe(1);
    expect(capture.warnings()).toEqual([]);
  });

  it('within one message, cleans up after a clear only when told, from what it listed before', async () => {
    await appendAll([turn(1, NOW - 30 * HOUR)]);
    const later: Array<() => Promise<void>> = [];
    const scoped = store({ message: { later: (task) => later.push(task) } });
    scoped.prepareClear(KEY);
    await scoped.clear(KEY);
    expect(await readdir(join(keyDir, 'days'))).toEqual(['20240109', '20240110']);
    expect(await store().load(KEY, 5)).toEqual([]);
    await Promise.all(later.map((task) => task()));
    expect(await readdir(join(keyDir, 'days'))).toEqual(['20240110']);
  });

  it.each([
    ['garbage', 'not json at all'],
    ['empty', ''],
    ['half-written', '{"v":1,"type":"turn","msgId":"msg2","quest'],
    ['wrong shape', '{"v":1,"type":"turn","msgId":2}'],
  ])('skips a %s turn file and logs its name, not its content', async (_kind, content) => {
    await appendAll([turn(1), turn(2), turn(3)]);
    await writeFile(fileOf(turn(2)), content);
    expect(msgIds(await store().load(KEY, 10))).toEqual(['msg1', 'msg3']);
    const [warning, ...rest] = capture.warnings();
    expect(rest).toEqual([]);
    expect(warning).toMatchObject({ key: KEY, file: fileOf(turn(2)).split('/').at(-1) });
    if (content !== '') expect(JSON.stringify(warning)).not.toContain(content);
  });

  it('counts a turn stored twice for one message once', async () => {
    await appendAll([turn(1), turn(2), { ...turn(2), at: turn(2).at + 5 }, turn(3)]);
    expect(msgIds(await store().load(KEY, 10))).toEqual(['msg1', 'msg2', 'msg3']);
  });

  it('never reads a turn through a symbolic link planted in its place', async () => {
    const outside = join(dir, 'outside.json');
    await writeFile(outside, encodeTurn({ ...turn(9), answer: '泄露的秘密' }));
    await appendAll([turn(1)]);
    await symlink(outside, fileOf(turn(2)));
    const loaded = await store().load(KEY, 10);
    expect(JSON.stringify(loaded)).not.toContain('泄露的秘密');
    expect(msgIds(loaded)).toEqual(['msg1']);
  });

  it('rejects keys that could escape the history directory', async () => {
    for (const key of ['../../etc', 'a/b', '..', '', 'x'.repeat(200), 'a\u0000b']) {
      await expect(store().load(key, 5)).rejects.toThrow(TypeError);
      await expect(store().append(key, turn(1))).rejects.toThrow(TypeError);
      await expect(store().clear(key)).rejects.toThrow(TypeError);
    }
    expect(await readdir(dir)).toEqual([]);
  });

  describe('history stored by earlier versions (v1: numbered files and head.json)', () => {
    const old = (n: number) => turn(n, NOW - 1000 * HOUR + n);

    it('keeps loading, as the oldest part of the history, until a v1 clear marker', async () => {
      await writeV1([old(1), old(2), old(3), old(4)]);
      await writeFile(v1File(2), encodeClearMarker(1));
      expect(msgIds(await store().load(KEY, 10))).toEqual(['msg3', 'msg4']);
      await appendAll([turn(50)]);
      expect(msgIds(await store().load(KEY, 2))).toEqual(['msg4', 'msg50']);
      expect(msgIds(await store().load(KEY, 10))).toEqual(['msg3', 'msg4', 'msg50']);
      await appendAll([turn(51), turn(52)]);
      expect(msgIds(await store().load(KEY, 2))).toEqual(['msg51', 'msg52']);
    });

    it('finds the newest v1 turn past a stale head hint, and by listing when the hint is unusable', async () => {
      await writeV1([old(1), old(2), old(3), old(4), old(5)], 2);
      expect(msgIds(await store().load(KEY, 2))).toEqual(['msg4', 'msg5']);
      await writeFile(join(keyDir, 'head.json'), '{"seq": 5');
      expect(msgIds(await store().load(KEY, 2))).toEqual(['msg4', 'msg5']);
      await rm(join(keyDir, 'head.json'));
      expect(msgIds(await store().load(KEY, 2))).toEqual(['msg4', 'msg5']);
      await writeFile(join(keyDir, 'head.json'), '{"seq":9}');
      expect(msgIds(await store().load(KEY, 2))).toEqual(['msg4', 'msg5']);
    });

    it('looks for v1 files in one round trip, only once the v2 records run out', async () => {
      await appendAll([turn(1), turn(2), turn(3)]);
      const counted = async (maxTurns: number) => {
        const meter = meterVolume(createNodeVolume(dir));
        const metered = createFileHistoryStore({
          volume: meter.volume,
          logger: capture.logger,
          clock: () => now,
        });
        await metered.load(KEY, maxTurns);
        return meter.counts().beforeModel;
      };
      // Enough v2 turns: the listings, then the newest turn file, then the other (appended without a load, the
      // records carry no copies).
      expect(await counted(2)).toEqual({ roundTrips: 3, ops: 5 });
      // Run out: the head hint and the folder listing join the first turn read, in the same round trip.
      expect(await counted(10)).toEqual({ roundTrips: 3, ops: 8 });
    });

    it('skips an unreadable v1 file and stops at one a v1 clear deleted', async () => {
      await writeV1([old(1), old(2), old(3), old(4)]);
      await writeFile(v1File(3), '{"v":1,"ty');
      await rm(v1File(1));
      expect(msgIds(await store().load(KEY, 10))).toEqual(['msg2', 'msg4']);
      expect(capture.warnings().map((line) => line.file)).toEqual(['000000000003.json']);
    });

    it('hides v1 turns behind a clear, and removes them', async () => {
      await writeV1([old(1), old(2)]);
      await store().clear(KEY);
      expect(await store().load(KEY, 10)).toEqual([]);
      expect(await readdir(keyDir)).toEqual(['days']);
    });

    it('never reads a v1 turn or head hint through a symbolic link', async () => {
      const outsideTurn = join(dir, 'outside-turn.json');
      const outsideHint = join(dir, 'outside-hint.json');
      await writeFile(outsideTurn, encodeTurn({ ...old(1), answer: '泄露的秘密' }));
      await writeFile(outsideHint, '{"seq":1}');
      await mkdir(keyDir, { recursive: true });
      await symlink(outsideTurn, v1File(1));
      await symlink(outsideHint, join(keyDir, 'head.json'));
      expect(JSON.stringify(await store().load(KEY, 10))).not.toContain('泄露的秘密');
    });
  });
});
