import { createHash } from 'node:crypto';
import type { Clock, Logger } from '../ports';
import type { MessageScope } from './message-scope';
import { createMessageMemo } from './message-scope';
import { readJsonFile } from './read-json-file';
import type { Volume } from './volume';

const HISTORY_KEY = /^[0-9a-f]{32}$/;
const ID_MARKER = /^([0-9a-f]{32})-[0-9a-f]{32}\.json$/;
const NICK_MARKER = /^([0-9a-f]{32})\.json$/;

/** A sender as DingTalk identifies them. */
export interface IndexedSender {
  staffId?: string | undefined;
  senderId: string;
  nick: string;
}

/** One user found in the index, with every history they have. */
export interface FoundUser {
  staffId?: string;
  /** The newest nickname seen for them. */
  nick: string;
  /** Their history keys, most recently first seen first. */
  historyKeys: string[];
}

/** Who has which history, so an admin can look a user up by staffId or nickname. */
export interface UserIndex {
  /** Remembers that `user` has history under `historyKey`; idempotent, and existing markers are never rewritten. */
  remember(user: IndexedSender, historyKey: string): Promise<void>;
  /** The user with this exact staffId, else every user with this nickname (case-insensitive for Latin). */
  find(staffIdOrNick: string): Promise<FoundUser[]>;
}

// Layout, every name a 32-hex sha256 prefix so no id or nickname reaches a path:
//   `users/ids/<sha256(identity)>/<historyKey>-<sha256(nick)>.json`  {"v":1,"staffId"?,"nick","at":ms}
//   `users/nicks/<sha256(normalized nick)>/<sha256(identity)>.json`   {"v":1,"at":ms}
// where identity is "staff\n<staffId>", else "sender\n<senderId>". A rename adds new markers instead of
// rewriting old ones (nothing is rewritten in place on the OSS mount); the newest marker gives the nickname.
// A marker's name is its content's key, so two instances creating it at once (the mount's exclusive create is
// not atomic) write the same facts: harmless.
/** A user index on the history volume made of marker files created once. */
export function createFileUserIndex(options: {
  volume: Volume;
  logger: Logger;
  clock?: Clock;
  message?: MessageScope;
}): UserIndex {
  const { volume, logger, clock = Date.now } = options;
  const memo = createMessageMemo(options.message);
  const idsDir = 'users/ids';
  const nicksDir = 'users/nicks';

  return {
    async remember(user, historyKey) {
      if (!HISTORY_KEY.test(historyKey)) throw new TypeError('history key must be a historyKey() hash');
      const staffId = user.staffId || undefined;
      const id = hashOf(staffId ? `staff\n${staffId}` : `sender\n${user.senderId}`);
      const at = clock();
      const nick = normalizeNick(user.nick);
      await Promise.all([
        volume.createExclusive(
          `${idsDir}/${id}/${historyKey}-${hashOf(user.nick)}.json`,
          JSON.stringify({ v: 1, ...(staffId ? { staffId } : {}), nick: user.nick, at }),
        ),
        nick === ''
          ? undefined
          : volume.createExclusive(`${nicksDir}/${hashOf(nick)}/${id}.json`, JSON.stringify({ v: 1, at })),
      ]);
    },
    async find(staffIdOrNick) {
      const term = staffIdOrNick.trim();
      if (term === '') return [];
      return memo.get(term, () => findUsers(term));
    },
  };

  async function findUsers(term: string): Promise<FoundUser[]> {
    // Both ways at once: a staffId search costs no more round trips than a nickname one.
    const [byStaffId, nickMarkers] = await Promise.all([
      readUser(`${idsDir}/${hashOf(`staff\n${term}`)}`),
      volume.list(`${nicksDir}/${hashOf(normalizeNick(term))}`),
    ]);
    if (byStaffId) return [{ staffId: term, ...byStaffId }];
    const ids = nickMarkers.map((name) => NICK_MARKER.exec(name)?.[1]).filter((id) => id !== undefined);
    const users = await Promise.all(ids.map((id) => readUser(`${idsDir}/${id}`)));
    return users.filter((found) => found !== undefined);
  }

  async function readUser(userDir: string): Promise<FoundUser | undefined> {
    const names = (await volume.list(userDir)).filter((name) => ID_MARKER.test(name));
    if (names.length === 0) return undefined;
    const markers: Array<{ historyKey: string; staffId?: string; nick?: string; at: number }> = [];
    const results = await Promise.all(names.map((name) => readJsonFile(volume, `${userDir}/${name}`)));
    for (const [index, result] of results.entries()) {
      const name = names[index] ?? '';
      const historyKey = ID_MARKER.exec(name)?.[1] ?? '';
      const marker = result.status === 'ok' ? decodeIdMarker(result.value) : undefined;
      if (marker === undefined)
        logger.warn({ file: name }, 'unreadable user index marker; keeping its history key');
      // The history key is in the name, so a torn marker still points at the history.
      markers.push({ historyKey, ...marker, at: marker?.at ?? 0 });
    }
    markers.sort((a, b) => b.at - a.at);
    const newest = markers.find((marker) => marker.nick !== undefined);
    const staffId = markers.find((marker) => marker.staffId !== undefined)?.staffId;
    return {
      ...(staffId === undefined ? {} : { staffId }),
      nick: newest?.nick ?? '',
      historyKeys: [...new Set(markers.map((marker) => marker.historyKey))],
    };
  }
}

function decodeIdMarker(value: unknown): { staffId?: string; nick: string; at: number } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { staffId, nick, at } = value as Record<string, unknown>;
  if (typeof nick !== 'string' || typeof at !== 'number' || !Number.isFinite(at)) return undefined;
  return typeof staffId === 'string' && staffId !== '' ? { staffId, nick, at } : { nick, at };
}

// Full-width Latin (typed through a Chinese IME) and letter case must not hide a user from an admin's search.
function normalizeNick(nick: string): string {
  return nick.normalize('NFKC').trim().toLowerCase();
}

function hashOf(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32);
}
