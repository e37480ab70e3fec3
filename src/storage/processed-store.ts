import { createHash } from 'node:crypto';
import type { Clock, Logger } from '../ports';
import { formatEntryName, randomEntryId } from './day-entry-name';
import { errorCodeOf } from './has-error-code';
import type { LegacyMarkerDays } from './legacy-marker-days';
import type { LegacyMarker } from './legacy-processed-marker';
import { readLegacyMarkers } from './legacy-processed-marker';
import type { MessageScope } from './message-scope';
import { runLater } from './message-scope';
import type { Volume } from './volume';

const DAY_MS = 86_400_000;
// 'done' is only read: the release before this one marked answered messages so, and its tickets stay for the
// retention. A ticket at 'delivering' already settles a message for good.
const STATES = ['claim', 'delivering', 'done'] as const;
type EntryState = (typeof STATES)[number];
const ENTRY = /^([0-9a-f]{32})\.(\d{13})-([0-9a-f]{16})\.(claim|delivering|done)$/;
// Where the 13-digit time sits in an entry's name.
const AT_START = 33;
const AT_END = 46;
// Contenders that saw each other step back and try again; each try is a few round trips.
const MAX_TRIES = 6;
const BACKOFF_MS = { min: 20, spread: 60 };
// Expired entries of other messages one claim removes from its shard (clean-up happens as traffic passes).
const MAX_PRUNED = 32;

/** Outcome of claiming a msgId: the right to answer it, or why another attempt owns it. */
export type ClaimResult =
  | { claimed: true; markDelivering(): Promise<void> }
  | { claimed: false; state: 'done' | 'delivering' | 'in-progress' };

/** Options of the processed-message store. */
export interface ProcessedStoreOptions {
  volume: Volume;
  logger: Logger;
  clock: Clock;
  /** How long a claim (or an unreadable v1 marker) blocks other attempts before it counts as abandoned. */
  leaseMs: number;
  /** Entries older than this are removed (default 3 days; redeliveries stop well within a day). */
  retentionDays?: number;
  message?: MessageScope;
  /** The instance's knowledge of v1 marker folders; without it, every claim looks for its v1 marker files. */
  legacyDays?: LegacyMarkerDays;
}

/** Durable record of handled DingTalk msgIds, shared by all instances, so each message is answered once. */
export interface ProcessedStore {
  /** Claims `msgId` for answering; false when another attempt owns or finished it. */
  claim(msgId: string): Promise<ClaimResult>;
}

interface Ticket {
  at: number;
  state: EntryState;
}

// Layout: `processed/<first 2 hex>/<sha256(msgId), 32 hex>.<13-digit at>-<16 random hex>.<claim|delivering|done>`,
// empty files. Every attempt writes its own ticket (a name nobody else can produce), then lists the shard, and
// owns the message only if it is alone: no other live ticket (a claim within its lease, delivering, done).
// That needs no atomic create: of two attempts, the one that lists last lists after both wrote, so it sees the
// other; at most one ever finds itself alone, whatever the timing (writes and listings being consistent, as
// OSS's are). Attempts that see only other fresh claims step back (remove their ticket, wait a random moment,
// look again): one that still sees a claim after stepping back leaves the message to it, one that sees none
// tries again, so simultaneous attempts settle on one owner instead of all giving up. Before anything of the
// answer becomes visible the owner adds `.delivering` under the same ticket, and that settles the message for
// good: a claim can expire (its owner may have died before answering), a delivering ticket never does (part of
// the answer may be out). Nothing is written after the answer: a done mark would say nothing more, and cost a
// file per message. Times come from this function's own clock, never from the message body.
/** A processed store on the shared volume: one ticket per attempt at a message. */
export function createProcessedStore(options: ProcessedStoreOptions): ProcessedStore {
  const { volume, logger, clock, leaseMs, message, legacyDays } = options;
  const retentionMs = (options.retentionDays ?? 3) * DAY_MS;

  return {
    async claim(msgId) {
      const hash = createHash('sha256').update(msgId).digest('hex').slice(0, 32);
      const shard = `processed/${hash.slice(0, 2)}`;
      // Without a listing of the v1 folders (it failed), both candidate days are looked at.
      const existing = legacyDays
        ? legacyDays.list(volume).catch(() => undefined)
        : Promise.resolve(undefined);
      const legacy = existing.then((days) => readLegacyMarkers(volume, hash, clock(), days));
      // Awaited after this attempt's own write, which may fail first.
      legacy.catch(() => undefined);
      for (let attempt = 1; ; attempt += 1) {
        const ticket = formatEntryName(clock(), randomEntryId(), '');
        const own = `${shard}/${hash}.${ticket}`;
        await writeTicket(own, 'claim');
        const [names, legacyMarkers] = await Promise.all([volume.list(shard), legacy]);
        const others = ticketsOf(names, hash);
        others.delete(ticket);
        const verdict = decide(others, legacyMarkers, clock());
        if (verdict === 'alone') {
          if (hasExpired(others, clock())) {
            logger.warn({ marker: hash }, 'took over an expired processed-message claim');
          }
          await runLater(message, () => pruneExpired(shard, names));
          return { claimed: true, markDelivering: () => writeTicket(own, 'delivering') };
        }
        if (verdict !== 'contended') {
          // Answered or being answered: this attempt's ticket only needs to go, not to hold anyone up.
          await runLater(message, () => volume.remove(`${own}.claim`));
          return { claimed: false, state: verdict };
        }
        await volume.remove(`${own}.claim`);
        await sleep(BACKOFF_MS.min + Math.random() * BACKOFF_MS.spread * attempt);
        const still = ticketsOf(await volume.list(shard), hash);
        const after = decide(still, legacyMarkers, clock());
        if (after !== 'alone')
          return { claimed: false, state: after === 'contended' ? 'in-progress' : after };
        if (attempt === MAX_TRIES) {
          logger.warn(
            { marker: hash, attempts: attempt },
            'processed-message claim still contended; giving up',
          );
          return { claimed: false, state: 'in-progress' };
        }
      }
    },
  };

  async function writeTicket(path: string, state: EntryState): Promise<void> {
    try {
      await volume.mark(`${path}.${state}`);
    } catch (error) {
      // A step that failed may still have made the name (a mount that lost its connection after the upload):
      // left behind, it would read as this attempt's ticket.
      await volume.remove(`${path}.${state}`).catch(() => undefined);
      throw error;
    }
  }

  /** 'alone' (no other live attempt), a finished state, or 'contended' (another fresh claim). */
  function decide(
    others: Map<string, Ticket>,
    legacy: LegacyMarker[],
    now: number,
  ): 'alone' | 'contended' | 'done' | 'delivering' {
    const states = [...others.values(), ...legacy].map((other) =>
      other.state === 'claim' && now - other.at >= leaseMs ? 'expired' : other.state,
    );
    if (states.includes('done')) return 'done';
    if (states.includes('delivering')) return 'delivering';
    return states.includes('claim') ? 'contended' : 'alone';
  }

  function hasExpired(others: Map<string, Ticket>, now: number): boolean {
    return [...others.values()].some((other) => other.state === 'claim' && now - other.at >= leaseMs);
  }

  /** Removes other messages' tickets past the retention from the listing this claim made anyway. */
  async function pruneExpired(shard: string, names: readonly string[]): Promise<void> {
    const oldest = clock() - retentionMs;
    // A shard holds every message's tickets of the retention: the time is looked at before the whole name.
    const expired = names.filter((name) => Number(name.slice(AT_START, AT_END)) < oldest && ENTRY.test(name));
    await Promise.all(expired.slice(0, MAX_PRUNED).map((name) => volume.remove(`${shard}/${name}`))).catch(
      (error: unknown) =>
        logger.warn({ code: errorCodeOf(error) }, 'could not prune processed-message tickets'),
    );
  }
}

/** The tickets of one message in a shard listing, each at its furthest state. */
function ticketsOf(names: readonly string[], hash: string): Map<string, Ticket> {
  const tickets = new Map<string, Ticket>();
  for (const name of names) {
    if (!name.startsWith(hash)) continue;
    const match = ENTRY.exec(name);
    if (!match) continue;
    const ticket = `${match[2]}-${match[3]}`;
    const state = match[4] as EntryState;
    const known = tickets.get(ticket);
    if (!known || STATES.indexOf(state) > STATES.indexOf(known.state)) {
      tickets.set(ticket, { at: Number(match[2]), state });
    }
  }
  return tickets;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
