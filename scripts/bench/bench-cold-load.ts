import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { buildConversationEnv, buildReplyEnv, bundlePath } from './bench-connector';
import { median, round } from './percentiles';

const run = promisify(execFile);
const FUNCTIONS = ['conversation', 'reply'] as const;
type Fn = (typeof FUNCTIONS)[number];

// Runs in the fresh process: only the require of the bundle is timed, as FC's cold start pays it.
const LOAD_SCRIPT = `
const { performance } = require('node:perf_hooks');
const started = performance.now();
require(process.argv[1]);
process.stdout.write(JSON.stringify({ loadMs: performance.now() - started }));
`;

/** Bundle load time in a fresh process and the size of what each function ships. */
export interface ColdLoadResult {
  cold_load_ms: Record<Fn, number>;
  bundle_bytes: Record<Fn, number>;
  /** Other .js files in the bundle directory (loaded lazily, if at all); 0 when the bundle is one file. */
  bundle_lazy_bytes: Record<Fn, number>;
}

/**
 * cold_load_ms: median over `runs` fresh `node` processes of the time `require` of each bundle takes, loaded
 * from a copy of its code directory outside the repository (no node_modules around it, as on FC).
 */
export async function measureColdLoad(options: { runs: number }): Promise<ColdLoadResult> {
  const scratch = await mkdtemp(join(tmpdir(), 'bench-cold-'));
  const historyDir = join(scratch, 'history');
  try {
    const code: Record<Fn, string> = { conversation: '', reply: '' };
    for (const fn of FUNCTIONS) {
      await cp(dirname(bundlePath(fn)), join(scratch, fn), { recursive: true });
      code[fn] = join(scratch, fn, basename(bundlePath(fn)));
    }
    // A valid environment, so module-level configuration succeeds as on a deployed function.
    const envs: Record<Fn, Record<string, string>> = {
      conversation: buildConversationEnv('http://127.0.0.1:9', 'https://oapi.dingtalk.com'),
      reply: buildReplyEnv({
        chatBaseUrl: 'http://127.0.0.1:9/v1',
        dingtalkUrl: 'https://oapi.dingtalk.com',
        historyDir,
      }),
    };
    const samples: Record<Fn, number[]> = { conversation: [], reply: [] };
    // Interleaved, so a slow moment of the machine does not land on one function only.
    for (let i = 0; i < options.runs; i += 1) {
      for (const fn of FUNCTIONS) {
        const { stdout } = await run(process.execPath, ['-e', LOAD_SCRIPT, code[fn]], {
          cwd: dirname(code[fn]),
          env: { PATH: process.env.PATH ?? '', ...envs[fn], LOG_LEVEL: 'silent' },
        });
        samples[fn].push((JSON.parse(stdout) as { loadMs: number }).loadMs);
      }
    }
    const sizes = await Promise.all(FUNCTIONS.map((fn) => measureBundle(fn)));
    return {
      cold_load_ms: {
        conversation: round(median(samples.conversation)),
        reply: round(median(samples.reply)),
      },
      bundle_bytes: { conversation: sizes[0]?.main ?? 0, reply: sizes[1]?.main ?? 0 },
      bundle_lazy_bytes: { conversation: sizes[0]?.lazy ?? 0, reply: sizes[1]?.lazy ?? 0 },
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function measureBundle(fn: Fn): Promise<{ main: number; lazy: number }> {
  const main = bundlePath(fn);
  const dir = dirname(main);
  let lazy = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (!entry.isFile() || !/\.(c|m)?js$/.test(entry.name) || relative(dir, path) === 'index.js') continue;
    lazy += (await stat(path)).size;
  }
  return { main: (await stat(main)).size, lazy };
}
