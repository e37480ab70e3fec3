import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { sweepStagedCode } from '../scripts/fc-runtime/staged-code';
import { findChromium, REQUIRE_BROWSER_VARIABLE, skippedLine } from './helpers/find-chromium';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Chromium the browser tests drive; '' when there is none here (they are skipped). */
    chromiumPath: string;
  }
}

/**
 * Integration tests drive the built bundles, so every run builds them first: a stale dist/ can never pass.
 * Test workers stage copies of the bundles in the temp directory; workers that were stopped before they could
 * remove theirs leave them behind, so the run sweeps orphaned copies before it starts and after it ends.
 * The browser tests need a Chromium: found once here, or skipped with one line saying how to run them (a failure
 * instead where REQUIRE_BROWSER_TESTS=1, as in CI).
 */
export default async function setup(project: TestProject): Promise<() => void> {
  sweepStagedCode();
  execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'build.mjs')], { stdio: 'inherit' });
  const search = await findChromium();
  if ('missing' in search) {
    if (process.env[REQUIRE_BROWSER_VARIABLE] === '1') {
      throw new Error(`${REQUIRE_BROWSER_VARIABLE}=1 but the browser tests cannot run: ${search.missing}`);
    }
    console.log(skippedLine(search.missing));
  }
  project.provide('chromiumPath', 'path' in search ? search.path : '');
  return () => {
    sweepStagedCode();
  };
}
