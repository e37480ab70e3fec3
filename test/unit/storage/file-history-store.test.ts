import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Turn } from '../../../src/ports';
import { createFileHistoryStore } from '../../../src/storage/file-history-store';
import { historyKey } from '../../../src/storage/history-key';
import { createCaptureLogger, createTempDir } from './capture-logger';

const KEY = historyKey(['cid+/=', '$:LWCP_v1:$staff==']);

function turn(n: number | string): Turn {
  return { msgId: `msg${n}`, question: `问题 ${n}`, answer: `回答 ${n}`, at: 1_700_000_000_000 + Number(n) };
}

describe('createFileHistoryStore', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let capture: ReturnType<typeof createCaptureLogger>;
  let keyDir: string;
  const seqFile = (seq: number) => join(keyDir, `${String(seq).padStart(12, '0')}.json`);
  const store = () => createFileHistoryStore({ dir, logger: capture.logger });
  const appendAll = async (from: number, to: number) => {
    for (let n = from; n <= to; n += 1) await store().append(KEY, turn(n));
  };
  const msgIds = (turns: Turn[]) => turns.map((t) => t.msgId);

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
    capture = createCaptureLogger();
    keyDir = join(dir, 'history', KEY);
  });
  afterEach(() => remove());

  it('round-trips turns in the frozen v1 layout, oldest first', async () => {
    await appendAll(1, 3);
    expect(await store().load(KEY, 10)).toEqual([turn(1), turn(2), turn(3)]);
    expect((await readdir(keyDir)).sort()).toEqual([
      '000000000001.json',
      '000000000002.json',
      '000000000003.json',
      'head.json',
    ]);
    expect(JSON.parse(await readFile(seqFile(2), 'utf8'))).toEqual({ v: 1, type: 'turn', ...turn(2) });
    expect(JSON.parse(await readFile(join(keyDir, 'head.json'), 'utf8'))).toEqual({ seq: 3 });
  });

  it('returns an empty history for an unknown key without creating anything', async () => {
    expect(await store().load(KEY, 5)).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('returns the newest maxTurns turns, oldest first, across read batches', async () => {
    await appendAll(1, 40);
    expect(msgIds(await store().load(KEY, 3))).toEqual(['msg38', 'msg39', 'msg40']);
    const window = await store().load(KEY, 35);
    expect(msgIds(window)).toEqual(Array.from({ length: 35 }, (_, i) => `msg${i + 6}`));
  });

  it('reads only the window: broken files older than it are never opened', async () => {
    await appendAll(1, 10);
    for (let seq = 1; seq <= 7; seq += 1) await writeFile(seqFile(seq), 'garbage');
    expect(msgIds(await store().load(KEY, 3))).toEqual(['msg8', 'msg9', 'msg10']);
    expect(capture.warnings()).toEqual([]);
  });

  it('returns [] for maxTurns 0 without touching the disk', async () => {
    // A regular file as the root: any disk access below it fails with ENOTDIR.
    const notADir = join(dir, 'file');
    await writeFile(notADir, '');
    const blocked = createFileHistoryStore({ dir: notADir, logger: capture.logger });
    expect(await blocked.load(KEY, 0)).toEqual([]);
    await expect(blocked.load(KEY, 1)).rejects.toThrow();
  });

  it('clears: load is empty, older turn files are deleted, new turns are visible', async () => {
    await appendAll(1, 4);
    await store().clear(KEY);
    expect(await store().load(KEY, 10)).toEqual([]);
    await appendAll(5, 6);
    expect(msgIds(await store().load(KEY, 10))).toEqual(['msg5', 'msg6']);
    expect((await readdir(keyDir)).sort()).toEqual([
      '000000000005.json',
      '000000000006.json',
      '000000000007.json',
      'head.json',
    ]);
    expect(JSON.parse(await readFile(seqFile(5), 'utf8'))).toMatchObject({ v: 1, type: 'clear' });
  });

  it('bounds the files one clear deletes, and the next clear continues from the bottom', async () => {
    await appendAll(1, 2);
    for (let seq = 3; seq <= 1005; seq += 1)
      await writeFile(seqFile(seq), JSON.stringify({ v: 1, type: 'turn', ...turn(seq) }));
    await writeFile(join(keyDir, 'head.json'), JSON.stringify({ seq: 1005 }));
    await store().clear(KEY);
    expect(await store().load(KEY, 10)).toEqual([]);
    const left = (await readdir(keyDir)).filter((name) => name !== 'head.json').sort();
    expect(left).toEqual(['1001', '1002', '1003', '1004', '1005', '1006'].map((n) => `00000000${n}.json`));
    expect(capture.lines.some((line) => line.msg === 'cleared turn files left for a later clear')).toBe(true);
    await store().clear(KEY);
    expect((await readdir(keyDir)).sort()).toEqual(['000000001007.json', 'head.json']);
    expect(capture.warnings()).toEqual([]);
  });

  it('stops at the clear marker even beyond the first read batch', async () => {
    await appendAll(1, 5);
    await store().clear(KEY);
    await appendAll(6, 45);
    expect(msgIds(await store().load(KEY, 100))).toEqual(Array.from({ length: 40 }, (_, i) => `msg${i + 6}`));
  });

  it('orders a clear after every append that finished before it, even with appends running alongside', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => store().append(KEY, turn(i + 1))));
    await Promise.all([
      store().clear(KEY),
      ...Array.from({ length: 10 }, (_, i) => store().append(KEY, turn(i + 11))),
    ]);
    const visible = msgIds(await store().load(KEY, 100));
    for (const id of visible) expect(Number(id.slice(3))).toBeGreaterThan(10);
    // Whatever landed above the marker is exactly what load returns.
    const names = (await readdir(keyDir)).filter((name) => name !== 'head.json').sort();
    const records = await Promise.all(
      names.map(async (name) => JSON.parse(await readFile(join(keyDir, name), 'utf8'))),
    );
    const markerIndex = records.findIndex((record) => record.type === 'clear');
    expect(records.slice(markerIndex + 1).map((record) => record.msgId)).toEqual(visible);
    expect(records.slice(0, markerIndex).every((record) => Number(record.msgId.slice(3)) > 10)).toBe(true);
    await store().append(KEY, turn(99));
    expect((await store().load(KEY, 100)).at(-1)).toEqual(turn(99));
  });

  it.each([
    ['garbage', 'not json at all'],
    ['empty', ''],
    ['half-written', '{"v":1,"type":"turn","msgId":"msg2","quest'],
    ['wrong shape', '{"v":1,"type":"turn","msgId":2}'],
  ])('skips a %s turn file and logs its name, not its content', async (_kind, content) => {
    await appendAll(1, 3);
    await writeFile(seqFile(2), content);
    expect(msgIds(await store().load(KEY, 10))).toEqual(['msg1', 'msg3']);
    const [warning, ...rest] = capture.warnings();
    expect(rest).toEqual([]);
    expect(warning).toMatchObject({ key: KEY, file: '000000000002.json' });
    if (content !== '') expect(JSON.stringify(warning)).not.toContain(content);
  });

  it('rebuilds a corrupt head.json from a listing, once, and keeps appending after the newest turn', async () => {
    await appendAll(1, 5);
    await writeFile(join(keyDir, 'head.json'), '{"seq": 5');
    expect(msgIds(await store().load(KEY, 10))).toEqual(['msg1', 'msg2', 'msg3', 'msg4', 'msg5']);
    expect(capture.warnings()).toHaveLength(1);
    expect(JSON.parse(await readFile(join(keyDir, 'head.json'), 'utf8'))).toEqual({ seq: 5 });
    await store().append(KEY, turn(6));
    expect(msgIds(await store().load(KEY, 2))).toEqual(['msg5', 'msg6']);
    expect(capture.warnings()).toHaveLength(1);
  });

  it('handles a missing head.json with turns present: nothing is overwritten', async () => {
    await appendAll(1, 5);
    await rm(join(keyDir, 'head.json'));
    await store().append(KEY, turn(6));
    expect(msgIds(await store().load(KEY, 10))).toEqual(['msg1', 'msg2', 'msg3', 'msg4', 'msg5', 'msg6']);
    expect(capture.warnings()).toHaveLength(1);
  });

  it('sees the newest turns through a stale head hint', async () => {
    await appendAll(1, 10);
    await writeFile(join(keyDir, 'head.json'), JSON.stringify({ seq: 2 }));
    expect(msgIds(await store().load(KEY, 3))).toEqual(['msg8', 'msg9', 'msg10']);
    await store().append(KEY, turn(11));
    expect(msgIds(await store().load(KEY, 3))).toEqual(['msg9', 'msg10', 'msg11']);
    expect(capture.warnings()).toEqual([]);
  });

  it('never writes below a clear marker when the head hint points into deleted turns', async () => {
    await appendAll(1, 5);
    await store().clear(KEY);
    await writeFile(join(keyDir, 'head.json'), JSON.stringify({ seq: 2 }));
    await store().append(KEY, turn(7));
    expect(msgIds(await store().load(KEY, 10))).toEqual(['msg7']);
    expect(await readdir(keyDir)).not.toContain('000000000003.json');
  });

  it('uses the head hint, not a directory listing, when the hint is valid', async () => {
    await appendAll(1, 3);
    // An orphan far above the contiguous run is only visible to a listing.
    await writeFile(seqFile(999), JSON.stringify({ v: 1, type: 'turn', ...turn(999) }));
    expect(msgIds(await store().load(KEY, 10))).toEqual(['msg1', 'msg2', 'msg3']);
  });

  it('rejects keys that could escape the history directory', async () => {
    for (const key of ['../../etc', 'a/b', '..', '', 'x'.repeat(200), 'a\u0000b']) {
      await expect(store().load(key, 5)).rejects.toThrow(TypeError);
      await expect(store().append(key, turn(1))).rejects.toThrow(TypeError);
      await expect(store().clear(key)).rejects.toThrow(TypeError);
    }
    expect(await readdir(dir)).toEqual([]);
  });
});
