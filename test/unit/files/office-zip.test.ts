import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { zipOf } from '../../../scripts/test-files/office-files';
import { extractOfficeText } from '../../../src/files/extract/office-text';
import { MAX_UNZIPPED_BYTES, OfficeZip } from '../../../src/files/extract/office-zip';
import { TextCollector } from '../../../src/files/extract/text-collector';
import { xlsxText } from '../../../src/files/extract/xlsx-text';
import { extractFileText } from '../../../src/files/extract-file-text';
import { readZipDirectory } from '../../../src/files/zip-directory';
import { fixture } from './fixture-files';

const DIRECTORY_ENTRY = 0x02014b50;
const END_OF_DIRECTORY = 0x06054b50;

/** A copy of `zip` whose central directory gives `name` the uncompressed size `size`. */
function withDeclaredSize(zip: Uint8Array, name: string, size: number): Uint8Array {
  const bytes = zip.slice();
  const view = new DataView(bytes.buffer);
  const wanted = Buffer.from(name);
  for (let at = 0; at + 46 < bytes.length; at += 1) {
    if (view.getUint32(at, true) !== DIRECTORY_ENTRY) continue;
    if (!wanted.equals(bytes.subarray(at + 46, at + 46 + wanted.length))) continue;
    view.setUint32(at + 24, size, true);
    return bytes;
  }
  throw new Error(`${name} is not in the zip`);
}

describe('Office files as zips', () => {
  // A valid Word body whose one paragraph is a little over the limit of the letter x, deflated to about 100 KB.
  function zipBomb(): Uint8Array {
    const start = Buffer.from('<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>');
    const end = Buffer.from('</w:t></w:r></w:p></w:body></w:document>');
    const document = new Uint8Array(MAX_UNZIPPED_BYTES + 1).fill(0x78);
    document.set(start);
    document.set(end, document.length - end.length);
    return zipSync({ 'word/document.xml': document }, { level: 1, mtime: new Date(2024, 0, 1) });
  }

  it('refuses a docx that says it expands beyond the limit (a zip bomb), and also one that lies', async () => {
    const bomb = zipBomb();
    expect(bomb.length).toBeLessThan(MAX_UNZIPPED_BYTES / 500);
    expect(await extractFileText(bomb, { maxChars: 100 })).toEqual({ status: 'corrupt', type: 'docx' });
    const lying = withDeclaredSize(bomb, 'word/document.xml', 1000);
    expect(await extractFileText(lying, { maxChars: 100 })).toEqual({ status: 'corrupt', type: 'docx' });
  });

  it('refuses a part whose declared size passes the limit', async () => {
    const bytes = withDeclaredSize(fixture('report.docx'), 'word/document.xml', 2 ** 31);
    expect(await extractFileText(bytes, { maxChars: 100 })).toEqual({ status: 'corrupt', type: 'docx' });
  });

  it('counts all the parts it unzips against one limit', () => {
    const bytes = fixture('budget.xlsx');
    const workbook = new OfficeZip(bytes).text('xl/workbook.xml') ?? '';
    const zip = new OfficeZip(bytes, workbook.length + 10);
    expect(zip.text('xl/workbook.xml')).toBe(workbook);
    expect(() => zip.text('xl/sharedStrings.xml')).toThrow('the zip expands beyond the limit');
  });

  it('counts what a part really inflates to, not what it claims', () => {
    const bytes = withDeclaredSize(fixture('report.docx'), 'word/document.xml', 64);
    expect(new OfficeZip(bytes).text('word/document.xml')).toContain('<w:document');
    expect(() => new OfficeZip(bytes, 1000).text('word/document.xml')).toThrow(
      'the zip expands beyond the limit',
    );
  });

  it('gives the first rows of a sheet that inflates beyond the limit', () => {
    const rows = Array.from(
      { length: 200_000 },
      (_, i) => `<row r="${i + 1}"><c r="A${i + 1}"><v>${i + 1}</v></c></row>`,
    );
    const bytes = zipOf({
      'xl/workbook.xml': '<workbook><sheets><sheet name="Big" sheetId="1" r:id="rId1"/></sheets></workbook>',
      'xl/_rels/workbook.xml.rels':
        '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>',
      'xl/worksheets/sheet1.xml': `<worksheet><sheetData>${rows.join('')}</sheetData></worksheet>`,
    });
    const limit = 1_000_000;
    const firstRows = new TextCollector(12);
    xlsxText(new OfficeZip(bytes, limit), firstRows);
    expect(firstRows.result('xlsx')).toMatchObject({ text: '## Big\n1\n2\n3', truncated: true });
    expect(() => xlsxText(new OfficeZip(bytes, limit), new TextCollector(1_000_000))).toThrow(
      'the zip expands beyond the limit',
    );
    // What was read before the limit is given, as cut.
    const result = extractOfficeText(bytes, 'xlsx', 1_000_000, limit);
    expect(result).toMatchObject({ status: 'text', type: 'xlsx', truncated: true });
    expect(result.status === 'text' && result.text.startsWith('## Big\n1\n2\n3\n')).toBe(true);
  });

  it('refuses a directory that claims more entries than it holds', async () => {
    const bytes = fixture('report.docx').slice();
    const view = new DataView(bytes.buffer);
    const end = bytes.length - 22;
    expect(view.getUint32(end, true)).toBe(END_OF_DIRECTORY);
    view.setUint16(end + 8, 0xffff, true);
    view.setUint16(end + 10, 0xffff, true);
    expect(readZipDirectory(bytes)).toBeUndefined();
    expect(await extractFileText(bytes, { maxChars: 100 })).toEqual({ status: 'corrupt', type: 'docx' });
  });
});
