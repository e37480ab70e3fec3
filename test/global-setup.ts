import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Integration tests drive the built bundles, so every run builds them first: a stale dist/ can never pass. */
export default function setup(): void {
  execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'build.mjs')], { stdio: 'inherit' });
}
