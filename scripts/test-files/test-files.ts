import { encryptedDocx, legacyDoc } from './compound-files';
import { docx, garbageDocx, plainZip, pptx, truncatedDocx, xlsx } from './office-files';
import {
  chinesePdf,
  cjkFontPdf,
  encryptedPdf,
  englishPdf,
  multiPagePdf,
  scannedPdf,
  truncatedPdf,
} from './pdf-files';
import { tinyPng } from './png';
import {
  CHINESE_NOTES,
  CSV,
  gb18030,
  JSON_TEXT,
  MARKDOWN,
  PROMPT_INJECTION,
  UTF16_TEXT,
  utf8,
  utf16le,
} from './text-files';

/** Every test file: its name in test/fixtures/files, how it is made, and what it is for. */
export const TEST_FILES: Array<{ name: string; make: () => Uint8Array; about: string }> = [
  {
    name: 'english.pdf',
    make: englishPdf,
    about: 'PDF with two lines of English text (Helvetica, not embedded)',
  },
  {
    name: 'chinese.pdf',
    make: chinesePdf,
    about: 'Chinese text in a Type0 font, Identity-H encoding and a ToUnicode map',
  },
  {
    name: 'cjk-font.pdf',
    make: cjkFontPdf,
    about: 'Chinese text in STSong-Light/UniGB-UCS2-H, no ToUnicode: needs the CMaps',
  },
  { name: 'multi-page.pdf', make: multiPagePdf, about: 'three pages of text' },
  { name: 'scanned.pdf', make: scannedPdf, about: 'a page with an image and no text layer' },
  { name: 'encrypted.pdf', make: encryptedPdf, about: 'RC4-128 standard security, user password "secret"' },
  { name: 'truncated.pdf', make: truncatedPdf, about: 'the first bytes of a PDF, cut inside its catalog' },
  {
    name: 'report.docx',
    make: docx,
    about: 'paragraphs, entities, tabs and breaks, a table, Chinese, deleted text, a field, a text box',
  },
  { name: 'truncated.docx', make: truncatedDocx, about: 'report.docx cut to 60%: no central directory' },
  { name: 'garbage.docx', make: garbageDocx, about: 'a valid zip whose word/document.xml is not XML' },
  {
    name: 'budget.xlsx',
    make: xlsx,
    about: 'two sheets: shared, rich, phonetic and inline strings, numbers, dates, a time',
  },
  { name: 'slides.pptx', make: pptx, about: 'two slides, in an order other than their files' },
  {
    name: 'encrypted.docx',
    make: encryptedDocx,
    about: 'compound file with EncryptionInfo and EncryptedPackage streams',
  },
  { name: 'legacy.doc', make: legacyDoc, about: 'compound file with a WordDocument stream (Word 97-2003)' },
  { name: 'notes-utf8.txt', make: () => utf8(CHINESE_NOTES), about: 'Chinese text, UTF-8' },
  {
    name: 'notes-utf8-bom.txt',
    make: () => utf8(CHINESE_NOTES, true),
    about: 'Chinese text, UTF-8 with a BOM',
  },
  { name: 'notes-gb18030.txt', make: () => gb18030(CHINESE_NOTES), about: 'Chinese text, GB18030 (GBK)' },
  { name: 'notes-utf16.txt', make: () => utf16le(UTF16_TEXT), about: 'UTF-16LE with a BOM' },
  { name: 'table.csv', make: () => utf8(CSV), about: 'CSV with a quoted comma and Chinese' },
  { name: 'release-notes.md', make: () => utf8(MARKDOWN), about: 'Markdown: a heading, a link, a list' },
  { name: 'data.json', make: () => utf8(JSON_TEXT), about: 'a JSON object' },
  {
    name: 'prompt-injection.txt',
    make: () => utf8(PROMPT_INJECTION),
    about: 'text that tries to give the model instructions',
  },
  { name: 'image.png', make: tinyPng, about: 'a 2×2 PNG' },
  { name: 'archive.zip', make: plainZip, about: 'a zip that is no Office file' },
];

/** The folder's README, listing the files. */
export function testFilesReadme(): string {
  const rows = TEST_FILES.map(({ name, about }) => `| ${name} | ${about} |`).join('\n');
  return `# Test files\n\nMade by \`npx tsx scripts/make-test-files.ts\` (do not edit them; change the script and run it again).\nNo copyrighted documents: every file is written from scratch, with fixed dates, so a run gives the same bytes.\n\n| file | what it is |\n| --- | --- |\n${rows}\n`;
}
