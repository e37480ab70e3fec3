import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Loads a private copy of a built function in this process with `env` as its environment at load, as FC reads it,
 * and returns its handler; the environment is restored afterwards.
 */
export function loadBundleWith<Handler>(fn: 'conversation' | 'reply', env: Record<string, string>): Handler {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const bundle = join(__dirname, '..', '..', 'dist', fn, 'index.js');
    const load = createRequire(__filename);
    delete load.cache[load.resolve(bundle)];
    return (load(bundle) as { handler: Handler }).handler;
  } finally {
    process.env = saved;
  }
}
