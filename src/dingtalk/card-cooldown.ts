import type { Logger } from '../ports';
import { type CardFailure, describeCardFailure } from './card-client';

/** Per app: after a failure that will hit every answer until someone acts, cards stay off for a while. */
export interface CardCooldown {
  /** The failure that turned this app's cards off, while the cool-down lasts. */
  active(appKey: string): CardFailure | undefined;
  /**
   * Starts the cool-down when `failure` is of that kind (permission, quota, template or credentials) and says so
   * in one warn line with the code and the fix; later answers of the cool-down log nothing more. True if started.
   */
  note(appKey: string, failure: CardFailure, log: Logger): boolean;
  /** A card went through: cards work again. */
  clear(appKey: string): void;
}

const COOL_DOWN_KINDS = new Set<CardFailure['kind']>(['permission', 'quota', 'setting', 'token']);

/** Kept per function instance (module scope), so that one failure spares the next answers' calls. */
export function createCardCooldown(cooldownMs: number): CardCooldown {
  const cooling = new Map<string, { until: number; failure: CardFailure }>();
  const active = (appKey: string) => {
    const entry = cooling.get(appKey);
    return entry !== undefined && performance.now() < entry.until ? entry.failure : undefined;
  };
  return {
    active,
    note(appKey, failure, log) {
      if (!COOL_DOWN_KINDS.has(failure.kind) || failure.retryable) return false;
      if (active(appKey) !== undefined) return true;
      cooling.set(appKey, { until: performance.now() + cooldownMs, failure });
      const minutes = Math.round(cooldownMs / 60_000);
      log.warn(
        { reason: failure.reason, code: failure.code, scope: failure.scope, setting: failure.setting },
        `AI cards off for ${minutes} min, answers go out as markdown: ${describeCardFailure(failure)}`,
      );
      return true;
    },
    clear(appKey) {
      cooling.delete(appKey);
    },
  };
}
