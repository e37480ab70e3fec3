import type { Volume } from './volume';
import { wrapVolume } from './wrap-volume';

/** The two halves of answering a message: up to the model's answer, and after it. */
export type StoragePhase = 'beforeModel' | 'afterModel';

/** What one phase cost on the volume. */
export interface StorageCounts {
  /** Operations that had to wait for one another: the longest chain, each started after the one before ended. */
  roundTrips: number;
  ops: number;
}

/** A volume that counts its operations, per phase, for one message. */
export interface VolumeMeter {
  volume: Volume;
  /** Counts what starts from now on into `phase`. */
  enter(phase: StoragePhase): void;
  counts(): Record<StoragePhase, StorageCounts>;
}

/**
 * Wraps `volume` to count operations and sequential round trips. An operation's depth is one more than the
 * deepest operation of its phase that had ended when it started, so operations started together (in parallel)
 * share a round trip and one started after another ended adds one. That is exact when every operation takes
 * about as long (on the OSS mount, or with a latency added); on a fast local disk an operation that merely
 * happened to end first can deepen a later, unrelated one, so there the count is an upper bound.
 */
export function meterVolume(volume: Volume): VolumeMeter {
  let phase: StoragePhase = 'beforeModel';
  let endedDepth = 0;
  const counts: Record<StoragePhase, StorageCounts> = {
    beforeModel: { roundTrips: 0, ops: 0 },
    afterModel: { roundTrips: 0, ops: 0 },
  };
  const count = <T>(run: () => Promise<T>): Promise<T> => {
    const started = phase;
    const depth = endedDepth + 1;
    const counted = counts[started];
    counted.ops += 1;
    counted.roundTrips = Math.max(counted.roundTrips, depth);
    const ended = () => {
      if (phase === started) endedDepth = Math.max(endedDepth, depth);
    };
    return run().finally(ended);
  };

  return {
    volume: wrapVolume(volume, count),
    enter(next) {
      phase = next;
      endedDepth = 0;
    },
    counts: () => structuredClone(counts),
  };
}
