/** Spaces out calls: a token bucket that lets `burst` calls through at once, then `perSecond` a second. */
export interface CallPacer {
  /** Resolves when the caller may make its call; callers are served in the order they asked. */
  take(): Promise<void>;
}

/**
 * A token bucket in its "virtual scheduling" form: each call is given the earliest time the bucket allows, so in
 * any one second at most `burst + perSecond` calls go out, however many answers ask at once.
 */
export function createCallPacer(options: {
  perSecond: number;
  burst: number;
  now?: () => number;
}): CallPacer {
  const now = options.now ?? (() => performance.now());
  const spacingMs = 1000 / options.perSecond;
  const burstMs = (options.burst - 1) * spacingMs;
  // When the bucket would be full again if nobody called: each call moves it one spacing on.
  let fullAt = Number.NEGATIVE_INFINITY;
  return {
    take() {
      const at = now();
      const due = Math.max(at, fullAt);
      const goAt = Math.max(at, due - burstMs);
      fullAt = due + spacingMs;
      const waitMs = goAt - at;
      return waitMs > 0 ? new Promise((resolve) => setTimeout(resolve, waitMs)) : Promise.resolve();
    },
  };
}
