import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'files');

/** The bytes of a file in test/fixtures/files (made by scripts/make-test-files.ts). */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES).sort();
}
