// Writes the test files of the file extractors into test/fixtures/files: `npx tsx scripts/make-test-files.ts`.
// A unit test makes them again in memory and compares, so the committed files always match this script.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_FILES, testFilesReadme } from './test-files/test-files';

const folder = join(__dirname, '..', 'test', 'fixtures', 'files');
mkdirSync(folder, { recursive: true });
// Files the script no longer makes go, so that a renamed one does not linger.
for (const name of readdirSync(folder)) rmSync(join(folder, name));
for (const { name, make } of TEST_FILES) writeFileSync(join(folder, name), make());
writeFileSync(join(folder, 'README.md'), testFilesReadme());
console.log(`${TEST_FILES.length} test files written to ${folder}`);
