import type { FcInstance, InvocationResult, InvokeContext } from './fc-instance';
import { startFcInstance } from './fc-instance';

/** Instances of one function, started on demand: FC 3.0's built-in runtimes run one invocation per instance. */
export interface InstancePool {
  invoke(event: Buffer, context?: Partial<InvokeContext>): Promise<InvocationResult & { coldStart: boolean }>;
  readonly size: number;
  stop(): Promise<void>;
}

/** A pool that reuses an idle instance, or starts a new one (a cold start) while all are busy, up to `max`. */
export function createInstancePool(
  options: Parameters<typeof startFcInstance>[0] & { max?: number },
): InstancePool {
  const idle: FcInstance[] = [];
  const all: FcInstance[] = [];
  const waiting: Array<(instance: FcInstance) => void> = [];
  const max = options.max ?? 4;
  let started = 0;

  async function acquire(): Promise<{ instance: FcInstance; coldStart: boolean }> {
    const ready = idle.pop();
    if (ready) return { instance: ready, coldStart: false };
    if (started < max) {
      started += 1;
      const instance = await startFcInstance(options);
      all.push(instance);
      return { instance, coldStart: true };
    }
    return { instance: await new Promise<FcInstance>((resolve) => waiting.push(resolve)), coldStart: false };
  }

  function release(instance: FcInstance): void {
    const next = waiting.shift();
    if (next) next(instance);
    else idle.push(instance);
  }

  return {
    async invoke(event, context) {
      const { instance, coldStart } = await acquire();
      try {
        return { ...(await instance.invoke(event, context)), coldStart };
      } finally {
        release(instance);
      }
    },
    get size() {
      return started;
    },
    async stop() {
      await Promise.all(all.map((instance) => instance.stop()));
    },
  };
}
