import type { Clock, HistoryStore, Logger, Turn } from '../ports';
import { removeClearedRecords } from './clear-history';
import { formatEntryName, messageEntryId, randomEntryId } from './day-entry-name';
import type { HistoryMemory, RememberedHistory } from './history-memory';
import type { DayRecord, HistoryScan } from './history-scan';
import {
  CLEAR_SUFFIX,
  createEntryCursor,
  dayFolder,
  isClearMarker,
  scanHistory,
  TURN_SUFFIX,
} from './history-scan';
import { loadLegacyTurns } from './legacy-history';
import { formatUtcDay } from './local-day';
import type { MessageScope } from './message-scope';
import { createMessageMemo, runLater } from './message-scope';
import type { JsonFileResult } from './read-json-file';
import { readJsonFile } from './read-json-file';
import { type CopiedTurn, copyKey, MAX_EARLIER_TURNS } from './turn-copies';
import { decodeEarlierTurns, decodeTurnRecord, encodeClearMarker, encodeTurn } from './turn-file';
import type { Volume } from './volume';

const SAFE_KEY = /^[A-Za-z0-9_-]{1,128}$/;

/** Options of the history store on the volume. */
export interface FileHistoryStoreOptions {
  volume: Volume;
  logger: Logger;
  clock?: Clock;
  /** Set when the store serves one message (see MessageScope). */
  message?: MessageScope;
  /**
   * What the instance saw of each history: a load that knows today holds enough records lists only today's
   * folder up front, and one that remembers the newest turns does not read the copy of them.
   */
  memory?: HistoryMemory;
}

/** A history store that can be told early that a message will clear a history. */
export interface FileHistoryStore extends HistoryStore {
  prepareClear(key: string): void;
}

// Layout (v2): `history/<key>/days/<yyyymmdd, UTC of at>/<13-digit at>-<16 hex>.json`, one file per turn in the
// v1 turn record format ({"v":1,"type":"turn",msgId,question,answer,at}, with copies of the turns before it:
// turn-copies.ts), the hex from the turn's msgId; a clear adds `<at>-<16 random hex>.clear.json`
// ({"v":1,"type":"clear",at}). Names are never shared between writers, so concurrent instances lose nothing even
// where the mount's exclusive create is not atomic, and a load orders records by name (time, then id): it takes
// the newest until a clear marker or enough turns, listing only the day folders (and today's and yesterday's
// records), so its cost does not grow with the number of stored turns. The v1 files
// (`history/<key>/<12-digit seq>.json`, head.json) of earlier versions are the oldest segment, read after all v2
// days when no v2 clear hides them.
/** Per-conversation, per-sender history on the volume. */
export function createFileHistoryStore(options: FileHistoryStoreOptions): FileHistoryStore {
  const { volume, logger, message, memory } = options;
  const clock = options.clock ?? Date.now;
  const memo = createMessageMemo(message);
  const keyDirOf = (key: string): string => {
    if (!SAFE_KEY.test(key)) throw new TypeError('history key must be a historyKey() hash');
    return `history/${key}`;
  };
  const scanOf = (key: string) => memo.get(`${key}/scan`, () => scanHistory(volume, keyDirOf(key), clock()));
  // A load's own scan, steered by what the instance remembers (a clear still scans everything).
  const loadScanOf = (key: string, now: number, remembered: RememberedHistory, todayOnly: boolean) =>
    memo.get(`${key}/scan-for-load`, () =>
      scanHistory(volume, keyDirOf(key), now, { todayOnly, remembered: remembered.newest }),
    );
  const keyListingOf = (key: string) => memo.get(`${key}/list`, () => volume.list(keyDirOf(key)));
  // The newest turns this store knows per key (loaded, then appended), as many as the next load will need
  // besides the record that carries them: the copies a new record carries.
  const known = new Map<string, { keep: number; turns: CopiedTurn[] }>();

  return {
    prepareClear(key) {
      if (!message) return;
      void scanOf(key);
      void keyListingOf(key);
    },
    async load(key, maxTurns) {
      const keyDir = keyDirOf(key);
      if (!(maxTurns >= 1)) return [];
      const wanted = Math.floor(maxTurns);
      return memo.get(`${key}/load/${wanted}`, async () => {
        const now = clock();
        const today = formatUtcDay(now);
        const remembered = memory?.get(key);
        const scan = await (remembered
          ? loadScanOf(key, now, remembered, remembered.day === today && remembered.records >= wanted)
          : scanOf(key));
        const loaded = await loadTurns(volume, keyDir, scan, wanted, logger);
        const keep = Math.min(wanted - 1, MAX_EARLIER_TURNS);
        known.set(key, { keep, turns: newestOf(loaded.copyable, keep) });
        const listedToday = scan.listed.get(today);
        if (listedToday)
          memory?.set(key, { day: today, records: listedToday.length, newest: loaded.copyable });
        return loaded.turns;
      });
    },
    async append(key, turn) {
      const keyDir = keyDirOf(key);
      const day = formatUtcDay(turn.at);
      const name = formatEntryName(turn.at, messageEntryId(turn.msgId), TURN_SUFFIX);
      memo.forget(`${key}/`);
      const before = known.get(key);
      if (before) {
        const newest = [...before.turns, { day, name, turn }];
        known.set(key, { keep: before.keep, turns: newestOf(newest, before.keep) });
      }
      await volume.write(`${dayFolder(keyDir, day)}/${name}`, encodeTurn(turn, before?.turns));
      const seen = memory?.get(key);
      if (!seen) return;
      const records = seen.day === day ? seen.records + 1 : 1;
      memory?.set(key, { day, records, newest: [...seen.newest, { day, name, turn }] });
    },
    async clear(key) {
      const keyDir = keyDirOf(key);
      const at = clock();
      const day = formatUtcDay(at);
      const marker = formatEntryName(at, randomEntryId(), CLEAR_SUFFIX);
      const scan = scanOf(key);
      const keyListing = keyListingOf(key);
      memo.forget(`${key}/`);
      known.delete(key);
      memory?.delete(key);
      await volume.write(`${dayFolder(keyDir, day)}/${marker}`, encodeClearMarker(at));
      await runLater(message, async () => {
        const seen = await Promise.all([scan, keyListing]).catch(() => undefined);
        if (seen) await removeClearedRecords(volume, { keyDir, day, marker }, seen[0], seen[1], logger);
      });
    },
  };
}

/**
 * The newest `maxTurns` turns after the newest clear marker, oldest first; and those of them stored as v2 records,
 * with their names, for the copies the next record carries.
 */
async function loadTurns(
  volume: Volume,
  keyDir: string,
  scan: HistoryScan,
  maxTurns: number,
  logger: Logger,
): Promise<{ turns: Turn[]; copyable: CopiedTurn[] }> {
  const key = keyDir.slice(keyDir.lastIndexOf('/') + 1);
  const next = createEntryCursor(volume, keyDir, scan);
  const copied = new Map(scan.copied);
  const newest: CopiedTurn[] = [];
  const seen = new Set<string>();
  const finish = (legacy: Turn[] = []) => {
    const copyable = newest.reverse();
    return { turns: [...legacy, ...copyable.map((entry) => entry.turn)], copyable };
  };
  for (;;) {
    const wanted = maxTurns - newest.length;
    const picked: DayRecord[] = [];
    let cleared = false;
    while (picked.length < wanted) {
      const entry = await next(wanted - picked.length);
      if (entry === undefined) break;
      if (isClearMarker(entry)) {
        cleared = true;
        break;
      }
      // A turn stored twice (two attempts of one message) counts once.
      if (seen.has(entry.id)) continue;
      seen.add(entry.id);
      picked.push(entry);
    }
    const exhausted = !cleared && picked.length < wanted;
    // The v1 segment is read alongside the last v2 turns, not after them.
    const [results, legacy] = await Promise.all([
      readPicked(volume, keyDir, picked, copied),
      exhausted ? loadLegacyTurns(volume, keyDir, wanted, logger) : undefined,
    ]);
    for (const [index, result] of results.entries()) {
      const entry = picked[index] as DayRecord;
      // Gone since the listing: a clear's clean-up removed it, so nothing older belongs to this history.
      if (result.status === 'missing') return finish();
      const record =
        result.status === 'copied'
          ? { type: 'turn' as const, turn: result.turn }
          : result.status === 'ok'
            ? decodeTurnRecord(result.value)
            : undefined;
      if (record?.type === 'turn') newest.push({ day: entry.day, name: entry.name, turn: record.turn });
      else logger.warn({ key, file: entry.name }, 'skipping unreadable history turn file');
    }
    if (legacy) return finish(newestOf(legacy, maxTurns - newest.length));
    if (cleared || newest.length >= maxTurns) return finish();
  }
}

/** The last `count` of `items` (all of them when there are fewer). */
function newestOf<T>(items: readonly T[], count: number): T[] {
  return items.slice(Math.max(0, items.length - count));
}

type PickedResult = JsonFileResult | { status: 'copied'; turn: Turn };

/**
 * What each picked record (newest first) holds: its turn from `copied` where a copy of it is known, else its file.
 * The newest record without a copy is read first, as its writer stored copies of the turns it loaded: usually
 * all the others. Only what those copies lack is read after it (a turn another instance wrote meanwhile, a record
 * of an earlier version); nothing is, after a record found missing (the load stops there). The copies read are
 * added to `copied`.
 */
async function readPicked(
  volume: Volume,
  keyDir: string,
  picked: readonly DayRecord[],
  copied: Map<string, Turn>,
): Promise<PickedResult[]> {
  const results = new Map<DayRecord, JsonFileResult>();
  const read = async (entry: DayRecord) => {
    const result = await readJsonFile(volume, `${dayFolder(keyDir, entry.day)}/${entry.name}`);
    if (result.status === 'ok') {
      for (const [copy, turn] of decodeEarlierTurns(result.value))
        if (!copied.has(copy)) copied.set(copy, turn);
    }
    results.set(entry, result);
  };
  const lacking = () =>
    picked.filter((entry) => !results.has(entry) && !copied.has(copyKey(entry.day, entry.name)));
  const first = lacking()[0];
  if (first) await read(first);
  if (first === undefined || results.get(first)?.status !== 'missing') await Promise.all(lacking().map(read));
  return picked.map((entry): PickedResult => {
    const result = results.get(entry);
    if (result) return result;
    const turn = copied.get(copyKey(entry.day, entry.name));
    return turn ? { status: 'copied', turn } : { status: 'missing' };
  });
}
