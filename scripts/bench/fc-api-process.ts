// Child process of bench-ack: FC's invoke API stand-in, in a process of its own so that its work (signature
// checks, its own JIT and GC) does not share an event loop with the bench. It reports its URL once listening
// and, when asked, the number of invocations it accepted.
import { startFcInvokeApi } from '../emulators/fc-invoke-api';
import { BENCH_ACCOUNT_ID, BENCH_ROLE } from './bench-connector';

/** What the stand-in process says over IPC. */
export type FcApiProcessMessage = { url: string } | { invocations: number; rejections: number };

async function main(): Promise<void> {
  const fc = await startFcInvokeApi({ accountId: BENCH_ACCOUNT_ID, credentials: BENCH_ROLE });
  process.on('message', () => {
    const counts: FcApiProcessMessage = {
      invocations: fc.invocations.length,
      rejections: fc.rejections.length,
    };
    process.send?.(counts);
  });
  process.on('disconnect', () => void fc.close().then(() => process.exit(0)));
  const ready: FcApiProcessMessage = { url: fc.url };
  process.send?.(ready);
}

void main().catch((error: unknown) => {
  process.stderr.write(`FC stand-in failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
