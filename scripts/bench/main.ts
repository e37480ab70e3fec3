import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { measureAck } from './bench-ack';
import { measureCalls } from './bench-calls';
import { measureColdLoad } from './bench-cold-load';
import { ISSUE_MODEL, measureFirstVisible } from './bench-first-visible';
import { measureHistory } from './bench-history';
import { measureMemory } from './bench-memory';
import { measureOverhead } from './bench-overhead';
import type { BenchResults } from './bench-results';
import { describeMachine } from './bench-results';
import { evaluateTargets, formatTargetTable } from './bench-targets';
import { describeVolumeParent } from './bench-volume';
import { computeGbSeconds, GB_SECONDS_FORMULA, readMemorySizes } from './gb-seconds';
import { median, round } from './percentiles';
import { summarizeStorageOps } from './storage-ops';

// `npm run bench [-- --quick] [-- --out <file>]`: measures the built bundles (npm run bench builds them first)
// against the loopback stand-ins, prints a table and writes results.json. --quick keeps CI's run short.

const SAMPLES = {
  full: {
    ack_callbacks: 1000,
    ack_warmup: 50,
    overhead_messages: 200,
    overhead_warmup: 10,
    first_visible_tokens: ISSUE_MODEL.tokens,
    cold_load_runs: 7,
    burst_messages: 200,
    history_repetitions: 20,
  },
  quick: {
    ack_callbacks: 100,
    ack_warmup: 10,
    overhead_messages: 20,
    overhead_warmup: 3,
    first_visible_tokens: 40,
    cold_load_runs: 3,
    burst_messages: 30,
    history_repetitions: 5,
  },
} as const;
const HISTORY_SIZES = [10, 1_000, 100_000];
/** A stand-in for the OSS mount's latency per request (the local disk's is microseconds). */
const STORAGE_LATENCY_MS = 10;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const mode = args.includes('--quick') ? 'quick' : 'full';
  const out = resolve(
    readOption(args, '--out') ?? join(__dirname, '..', '..', 'dist', 'bench', 'results.json'),
  );
  const samples = SAMPLES[mode];
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    process.stderr.write(`bench: ${name}…\n`);
    return run();
  };

  // Cold loads first, while nothing else has warmed the machine's caches or is still winding down.
  const coldLoad = await step('cold_load_ms', () => measureColdLoad({ runs: samples.cold_load_runs }));
  const ack = await step('ack_ms', () =>
    measureAck({ count: samples.ack_callbacks, warmup: samples.ack_warmup }),
  );
  const overhead = await step('overhead_ms', () =>
    measureOverhead({ count: samples.overhead_messages, warmup: samples.overhead_warmup }),
  );
  const replyCpu = await step('reply_cpu_ms_per_message', () =>
    measureOverhead({ count: samples.overhead_messages, warmup: samples.overhead_warmup, volumeInUse: true }),
  );
  const replyCpuOnDisk = await step('reply_cpu_ms_per_message_disk', () =>
    measureOverhead({
      count: samples.overhead_messages,
      warmup: samples.overhead_warmup,
      volumeInUse: true,
      volumePlace: 'disk',
    }),
  );
  const slowStorage = await step('overhead_ms_at_storage_latency', () =>
    measureOverhead({
      count: samples.overhead_messages,
      warmup: samples.overhead_warmup,
      storageLatencyMs: STORAGE_LATENCY_MS,
    }),
  );
  const memory = await step('peak_rss_mb', () => measureMemory({ messages: samples.burst_messages }));
  const calls = await step('dingtalk_calls_per_answer', () => measureCalls());
  const model = { ...ISSUE_MODEL, tokens: samples.first_visible_tokens };
  const firstVisible = await step('first_visible_ms', () => measureFirstVisible(model));
  const history = await step('history_ms', () =>
    measureHistory({ sizes: HISTORY_SIZES, repetitions: samples.history_repetitions }),
  );
  const memorySizes = readMemorySizes();

  const measured: Omit<BenchResults, 'targets'> = {
    mode,
    generated_at: new Date().toISOString(),
    machine: describeMachine(),
    history_volume: { connector_runs: describeVolumeParent('memory'), disk: describeVolumeParent('disk') },
    ack_ms: ack,
    overhead_ms: overhead.overhead,
    reply_cpu_ms_per_message: round(median(replyCpu.replyCpuMs), 2),
    reply_cpu_ms_per_message_new_volume: round(median(overhead.replyCpuMs), 2),
    reply_cpu_ms_per_message_disk: round(median(replyCpuOnDisk.replyCpuMs), 2),
    overhead_ms_at_storage_latency: slowStorage.overhead,
    storage_ops_per_message: summarizeStorageOps(slowStorage.storage),
    first_visible_ms: firstVisible,
    first_visible_model: {
      first_token_ms: model.firstTokenMs,
      tokens_per_second: model.tokensPerSecond,
      chars_per_token: model.charsPerToken,
      tokens: model.tokens,
    },
    ...coldLoad,
    ...memory,
    history_ms: history,
    dingtalk_calls_per_answer: calls,
    gb_seconds_per_1000_messages: computeGbSeconds(
      { conversation: overhead.conversationMs, reply: overhead.replyNetMs },
      memorySizes,
    ),
    gb_seconds_formula: GB_SECONDS_FORMULA,
    memory_size_mb: memorySizes,
    samples: { ...samples },
    notes: {
      ack_ms:
        'conversation bundle loaded in-process in a child process, LOG_LEVEL=info with stdout to a drained pipe; ' +
        'the async invoke goes to the FC invoke API stand-in (loopback, signature checked) in a process of its own ' +
        "whose V8 optimising tier is capped as conversation's own is (--max-opt=1), so the stand-in's background " +
        'compiles do not land in the figure',
      overhead_ms:
        'both functions in their own processes; t0 just before invoking conversation, t1 the webhook stand-in ' +
        "receiving the answer's last post; minus the chat stand-in's time (it answers at once, not streaming); " +
        'the emulator hops (IPC to the instances) are included, FC queueing is not; the history volume, in this ' +
        'and every connector run, is a folder in memory (history_volume.connector_runs; see ' +
        'reply_cpu_ms_per_message_disk for why)',
      reply_cpu_ms_per_message:
        "process.cpuUsage() of the reply instance across each invocation of a run like overhead_ms's (the " +
        'stand-ins run in other processes), median; the history volume as a deployment has it after its first ' +
        '~1,500 messages: the 256 processed-ticket shard folders exist (the first claim into a shard makes its ' +
        'folder, one mkdir: on an empty volume about 7 in 10 of the first 200 claims make one)',
      reply_cpu_ms_per_message_new_volume:
        "the same in the overhead_ms run itself, whose history volume starts empty (a new deployment's)",
      reply_cpu_ms_per_message_disk:
        "reply_cpu_ms_per_message's run with the history volume on the machine's disk (history_volume.disk) " +
        "instead of in memory. FC's volume is an OSS mount, neither of the two; on the disk the figure also holds " +
        "the disk's own kernel work, and on an ext4 mounted without a journal (as on the machines these figures " +
        'were first taken on) every new file or folder first skips the inodes deleted in the last one to five ' +
        'minutes (the kernel checks each: recently_deleted), so the figure depends on how many files whatever ran ' +
        'before removed: measured 1.0-1.5 ms per message more than in memory, changing by about a quarter from one ' +
        'minute to the next',
      overhead_ms_at_storage_latency:
        `overhead_ms measured again with every history-volume operation delayed ${STORAGE_LATENCY_MS} ms before it ` +
        "runs (a stand-in for the OSS mount's per-request latency), injected by the reply function's own " +
        `diagnostic setting HISTORY_VOLUME_LATENCY_MS=${STORAGE_LATENCY_MS}, which wraps its storage port (every ` +
        'operation the stores make, counted as in storage_ops_per_message)',
      storage_ops_per_message:
        "from each measured message's 'storage operations' reply log line in the overhead_ms_at_storage_latency " +
        'run (where every operation takes about as long, so chains are counted exactly): before_model up to the ' +
        'chat request (for a command, its reply), after_model from the answer until the function returns; ' +
        'round_trips = operations that had to wait for one another (the longest chain), the most any message ' +
        'needed; ops = all operations, the median message; a message asked with history, cards off, no quota',
      first_visible_ms:
        "one warm-up message first; stream: first card update with text (DingTalk's built-in AI card, the default with an app key), plain: " +
        'first webhook post (cards off, the answer comes whole after the full generation time)',
      cold_load_ms:
        'require() of the bundle in a fresh node process, from a copy outside the repository; median',
      bundle_lazy_bytes: 'other .js files shipped in the bundle directory (0 when the bundle is one file)',
      peak_rss_mb:
        'maxRSS of each instance process after a burst (20 callbacks at a time); every reply of the burst runs ' +
        'concurrently in ONE reply process (worst case: FC 3.0 gives each invocation its own instance)',
      at_rest_rss_mb: 'RSS of each instance process right after its bundle loaded, before any invocation',
      history_ms:
        'store.load(key, 5) + store.append(turn) on the local disk (not an OSS mount), median; N real turn files ' +
        'in day folders, one every five minutes up to now (100,000 turns: 347 days); one store with the instance ' +
        "memory reply gives its stores, so after each size's first repetition a load lists today's folder only",
      dingtalk_calls_per_answer:
        'plain: every request DingTalk received for one answered DM (the webhook post counts); card: OpenAPI calls ' +
        'for a ~1,000-character answer streamed over ~2 s, token cached; card_cold_token: same, no cached token; ' +
        'card_20000: a 20,000-character answer (MAX_ANSWER_CHARS) over ~5 s, token cached, the rest past three cards through the webhook',
    },
  };
  const targets = evaluateTargets(measured);
  const results: BenchResults = { ...measured, targets };
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  const missed = targets.filter((row) => row.met === false).length;
  console.log(`\n${formatTargetTable(targets)}\n`);
  console.log(
    `${mode} run on ${results.machine.cores} × ${results.machine.cpu}, Node ${results.machine.node}; ` +
      `${missed} target(s) missed. Written to ${out}`,
  );
}

function readOption(args: string[], name: string): string | undefined {
  const inline = args.find((arg) => arg.startsWith(`${name}=`));
  if (inline) return inline.slice(name.length + 1);
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
