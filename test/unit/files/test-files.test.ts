import { describe, expect, it } from 'vitest';
import { TEST_FILES, testFilesReadme } from '../../../scripts/test-files/test-files';
import { fixture, fixtureNames } from './fixture-files';

describe('test/fixtures/files', () => {
  it('holds exactly the files scripts/make-test-files.ts makes, and its README', () => {
    expect(fixtureNames()).toEqual([...TEST_FILES.map(({ name }) => name), 'README.md'].sort());
  });

  it.each(TEST_FILES.map(({ name, make }) => [name, make] as const))(
    '%s is what the script makes (run `npx tsx scripts/make-test-files.ts` after changing it)',
    (name, make) => {
      expect(Buffer.from(make()).equals(fixture(name))).toBe(true);
    },
  );

  it('README.md is what the script writes', () => {
    expect(new TextDecoder().decode(fixture('README.md'))).toBe(testFilesReadme());
  });
});
