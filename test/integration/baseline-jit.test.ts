import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIST = join(__dirname, '..', '..', 'dist');
// V8's %GetOptimizationStatus bit for "optimised" (TurboFan), stable across Node 18–22.
const OPTIMIZED = 1 << 4;

/** Loads `bundle` (if any) in a fresh Node, runs a hot loop, and reports its function's optimisation status. */
function hotFunctionStatus(bundle?: string): number {
  const script = `
    ${bundle ? `require(${JSON.stringify(bundle)});` : ''}
    function hot(x) { let sum = 0; for (let i = 0; i < 50; i++) sum += i * x; return sum; }
    for (let i = 0; i < 300000; i++) hot(i);
    process.stdout.write(String(%GetOptimizationStatus(hot)));
  `;
  const output = execFileSync(process.execPath, ['--allow-natives-syntax', '-e', script], {
    // Any configuration will do: the cap is set when the bundle loads, before the configuration is read.
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  });
  return Number(output.trim());
}

describe('the optimising-compiler cap', () => {
  it('is set by loading the conversation bundle, and only by it', () => {
    expect(hotFunctionStatus() & OPTIMIZED).toBe(OPTIMIZED);
    expect(hotFunctionStatus(join(DIST, 'conversation', 'index.js')) & OPTIMIZED).toBe(0);
    expect(hotFunctionStatus(join(DIST, 'reply', 'index.js')) & OPTIMIZED).toBe(OPTIMIZED);
  });
});
