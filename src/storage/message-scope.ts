/**
 * Stores opened for one message get this: what they listed or read may be reused within the message (it is
 * read once, early, in parallel), and clean-ups a write leaves behind run later, alongside the message's last
 * writes, instead of adding round trips where the user waits.
 */
export interface MessageScope {
  later(task: () => Promise<void>): void;
}

/** Runs `task` through the scope, or now when there is none. */
export async function runLater(scope: MessageScope | undefined, task: () => Promise<void>): Promise<void> {
  if (scope) scope.later(task);
  else await task();
}

/** Memoizes promises by key for one message; without a scope every call runs afresh. */
export function createMessageMemo(scope: MessageScope | undefined) {
  const promises = new Map<string, Promise<unknown>>();
  return {
    get<T>(key: string, run: () => Promise<T>): Promise<T> {
      let promise = scope ? (promises.get(key) as Promise<T> | undefined) : undefined;
      if (promise === undefined) {
        promise = run();
        // Often started ahead of time: a failure surfaces where it is awaited, never as an unhandled rejection.
        promise.catch(() => undefined);
        if (scope) promises.set(key, promise);
      }
      return promise;
    },
    /** Forgets every entry whose key starts with `prefix` (after a write). */
    forget(prefix: string): void {
      for (const key of promises.keys()) if (key.startsWith(prefix)) promises.delete(key);
    },
  };
}
