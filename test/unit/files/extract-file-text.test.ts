import { describe, expect, it } from 'vitest';
import { textPdf } from '../../../scripts/test-files/pdf-files';
import { MAX_PDF_PAGES } from '../../../src/files/extract/pdf-text';
import { type ExtractedFile, extractFileText } from '../../../src/files/extract-file-text';
import { fixture } from './fixture-files';

const NOTES = '会议纪要\n时间：2024年1月1日\n参会人员：张三、李四\n结论：下周发布新版本。\n';

function text(type: string, content: string): ExtractedFile {
  return { status: 'text', type, text: content, truncated: false, chars: content.length } as ExtractedFile;
}

/** What each test file gives with room for all its text. */
const EXPECTED: Array<[name: string, result: ExtractedFile]> = [
  ['english.pdf', text('pdf', 'Quarterly report (draft)\nRevenue grew 12% in Q3; R&D costs fell.')],
  ['chinese.pdf', text('pdf', '季度报告：收入增长百分之十二。\n研发费用下降，结论见第三页。')],
  ['cjk-font.pdf', text('pdf', '电子发票：金额壹佰元整。')],
  [
    'multi-page.pdf',
    text(
      'pdf',
      'Page one: alpha\nThe first page.\n\nPage two: beta\nThe second page.\n\nPage three: gamma\nThe third page.',
    ),
  ],
  ['scanned.pdf', { status: 'no-text', type: 'pdf' }],
  ['encrypted.pdf', { status: 'encrypted', type: 'pdf' }],
  ['truncated.pdf', { status: 'corrupt', type: 'pdf' }],
  [
    'report.docx',
    text(
      'docx',
      [
        'Project plan',
        'Budget: R&D <core> "costs" \u2014 中',
        'Name\tValue\nSecond line',
        '中文段落：预算为一百万元。',
        'Item\tCost\t备注',
        'Servers\t1200\t每月',
        'Kept text',
        'Page',
        'Text box note',
      ].join('\n'),
    ),
  ],
  ['truncated.docx', { status: 'corrupt', type: 'docx' }],
  ['garbage.docx', { status: 'corrupt', type: 'docx' }],
  [
    'budget.xlsx',
    text(
      'xlsx',
      [
        '## Budget',
        'Item\tCost\tDate',
        'Servers\t1200.5\t2024-01-01',
        'Laptops\t2401\t\tTRUE',
        'Total\t#DIV/0!',
        '',
        '## 备注 & notes',
        '中文备注\tRich text\t2024-01-01',
        '漢字\t12:00:00',
      ].join('\n'),
    ),
  ],
  ['slides.pptx', text('pptx', '## Slide 1\nRoadmap\nQ1: launch & review\n\n## Slide 2\nThanks\n谢谢')],
  ['encrypted.docx', { status: 'encrypted', type: 'docx' }],
  ['legacy.doc', { status: 'unsupported', type: 'doc' }],
  ['notes-utf8.txt', text('txt', NOTES)],
  ['notes-utf8-bom.txt', text('txt', NOTES)],
  ['notes-gb18030.txt', text('txt', NOTES)],
  ['notes-utf16.txt', text('txt', 'UTF-16 文本，带 BOM。\n')],
  ['table.csv', text('csv', 'name,amount,note\nAlice,10,"hello, world"\nBob,20,备注\n')],
  [
    'release-notes.md',
    text(
      'md',
      '# Release notes\n\nSome **bold** text and a [link](https://example.com).\n\n- first\n- second\n',
    ),
  ],
  ['data.json', text('json', '{\n  "name": "示例",\n  "items": [1, 2, 3],\n  "nested": { "ok": true }\n}\n')],
  ['image.png', { status: 'unsupported', type: 'image' }],
  ['archive.zip', { status: 'unsupported', type: 'zip' }],
];

describe('extractFileText', () => {
  it.each(EXPECTED)('%s', async (name, expected) => {
    expect(await extractFileText(fixture(name), { fileName: name, maxChars: 30_000 })).toEqual(expected);
  });

  it('extracts by the bytes whatever the name says', async () => {
    const result = await extractFileText(fixture('report.docx'), { fileName: '文件', maxChars: 12 });
    expect(result).toEqual({
      status: 'text',
      type: 'docx',
      text: 'Project plan',
      truncated: true,
      chars: 138,
    });
    expect(await extractFileText(fixture('english.pdf'), { fileName: 'x.txt', maxChars: 9 })).toMatchObject({
      type: 'pdf',
      text: 'Quarterly',
    });
  });

  it('cuts text at maxChars and gives its length before the cut', async () => {
    expect(await extractFileText(fixture('notes-gb18030.txt'), { maxChars: 4 })).toEqual({
      status: 'text',
      type: 'txt',
      text: '会议纪要',
      truncated: true,
      chars: NOTES.length,
    });
  });

  it('never cuts a character in half', async () => {
    const bytes = new TextEncoder().encode('ab😀cd');
    expect(await extractFileText(bytes, { maxChars: 3 })).toMatchObject({
      text: 'ab',
      truncated: true,
      chars: 6,
    });
    expect(await extractFileText(bytes, { maxChars: 4 })).toMatchObject({ text: 'ab😀', truncated: true });
  });

  it('gives Windows line ends as \\n', async () => {
    const bytes = new TextEncoder().encode('one\r\ntwo\r\n');
    expect(await extractFileText(bytes, { maxChars: 100 })).toMatchObject({ text: 'one\ntwo\n', chars: 8 });
  });

  it('reads a PDF only up to the page that passes maxChars', async () => {
    // Page one alone is 31 characters: the other two pages are never read.
    expect(await extractFileText(fixture('multi-page.pdf'), { maxChars: 20 })).toEqual({
      status: 'text',
      type: 'pdf',
      text: 'Page one: alpha\nThe ',
      truncated: true,
      chars: 31,
    });
  });

  it('reads a spreadsheet only up to the row that passes maxChars', async () => {
    expect(await extractFileText(fixture('budget.xlsx'), { maxChars: 30 })).toEqual({
      status: 'text',
      type: 'xlsx',
      text: '## Budget\nItem\tCost\tDate\nServe',
      truncated: true,
      chars: '## Budget\nItem\tCost\tDate\nServers\t1200.5\t2024-01-01'.length,
    });
  });

  it(`reads at most ${MAX_PDF_PAGES} pages of a PDF and says the text was cut`, async () => {
    const pages = Array.from({ length: MAX_PDF_PAGES + 1 }, (_, i) => [`p${i + 1}`]);
    const result = await extractFileText(textPdf(pages), { maxChars: 1_000_000 });
    expect(result).toMatchObject({ status: 'text', truncated: true });
    expect(result.status === 'text' && result.text.endsWith(`\n\np${MAX_PDF_PAGES}`)).toBe(true);
  });

  it('finds no text in an empty or blank file', async () => {
    expect(await extractFileText(new Uint8Array(), { maxChars: 100 })).toEqual({
      status: 'no-text',
      type: 'txt',
    });
    expect(await extractFileText(new TextEncoder().encode(' \n\t\n'), { maxChars: 100 })).toEqual({
      status: 'no-text',
      type: 'txt',
    });
  });

  it('does not touch the caller’s bytes (pdf.js takes over the buffer it is given)', async () => {
    const bytes = fixture('english.pdf');
    const copy = bytes.slice();
    await extractFileText(bytes, { maxChars: 100 });
    expect(bytes.byteLength).toBe(copy.byteLength);
    expect(Buffer.from(bytes).equals(Buffer.from(copy))).toBe(true);
  });

  it('extracts several PDFs at once', async () => {
    const names = ['english.pdf', 'chinese.pdf', 'multi-page.pdf', 'encrypted.pdf'];
    const results = await Promise.all(
      names.map((name) => extractFileText(fixture(name), { maxChars: 1000 })),
    );
    expect(results.map((result) => result.status)).toEqual(['text', 'text', 'text', 'encrypted']);
  });

  it('gives unknown binary data as unsupported', async () => {
    const bytes = new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 4, 0]);
    expect(await extractFileText(bytes, { fileName: 'tool.txt', maxChars: 100 })).toEqual({
      status: 'unsupported',
      type: 'unknown',
    });
  });
});
