import type { Volume } from './volume';
import { wrapVolume } from './wrap-volume';

/**
 * Delays every operation by `delayMs` before it runs (a diagnostic stand-in for the OSS mount's request
 * latency, HISTORY_VOLUME_LATENCY_MS): what the connector's storage costs at that latency.
 */
export function delayVolume(volume: Volume, delayMs: number): Volume {
  return wrapVolume(volume, (run) => new Promise<void>((resolve) => setTimeout(resolve, delayMs)).then(run));
}
