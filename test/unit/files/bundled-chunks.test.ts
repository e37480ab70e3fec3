import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractFileText } from '../../../src/files/extract-file-text';
import { FIXTURES, fixture, fixtureNames } from './fixture-files';

// The bundles are built by the global setup.
const REPLY = join(__dirname, '..', '..', '..', 'dist', 'reply');
const run = promisify(execFile);

// Strings each chunk's code holds, which minifying keeps: they show where that code went.
const MARKERS: Array<[chunk: string, marker: string]> = [
  ['pdf.js', 'PDFWorker.fromPort'],
  ['pdf-worker.js', 'Invalid PDF structure'],
  ['files.js', 'invalid zip data'], // fflate
  ['files.js', 'word/document.xml'], // the extractors
];

// Runs in a copy of the code directory: loads the extractors' chunk as extractFileText does, and extracts
// every file named on the command line.
const PROBE = `
const { readFileSync } = require('node:fs');
(async () => {
  const { extractText } = await import('./files.js');
  const results = {};
  for (const path of process.argv.slice(2)) {
    results[path] = await extractText(readFileSync(path), { fileName: path, maxChars: 30000 });
  }
  process.stdout.write(JSON.stringify(results));
})();
`;

describe('the reply bundle', () => {
  let code: string;

  beforeAll(async () => {
    // FC runs a function from its code directory alone: a copy outside the repository has no node_modules either.
    code = await mkdtemp(join(tmpdir(), 'reply-code-'));
    await cp(REPLY, code, { recursive: true });
    await writeFile(join(code, 'probe.cjs'), PROBE);
  });

  afterAll(async () => {
    await rm(code, { recursive: true, force: true });
  });

  it.each(MARKERS)('keeps %s (with %j) out of its entry file', async (chunk, marker) => {
    expect(await readFile(join(REPLY, chunk), 'utf8')).toContain(marker);
    expect(await readFile(join(REPLY, 'index.js'), 'utf8')).not.toContain(marker);
  });

  it('extracts every test file from a copy of its code directory, silently, as the source does', async () => {
    const names = fixtureNames();
    const { stdout, stderr } = await run(
      process.execPath,
      ['probe.cjs', ...names.map((name) => join(FIXTURES, name))],
      {
        cwd: code,
        env: { PATH: process.env.PATH ?? '' },
      },
    );
    expect(stderr).toBe('');
    const bundled = JSON.parse(stdout) as Record<string, unknown>;
    for (const name of names) {
      const path = join(FIXTURES, name);
      expect(bundled[path], name).toEqual(
        await extractFileText(fixture(name), { fileName: path, maxChars: 30_000 }),
      );
    }
  });
});
