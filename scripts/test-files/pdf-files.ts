import { standardEncryption } from './pdf-encryption';
import { type PdfObject, pdfString, writePdf } from './pdf-writer';

const CATALOG = '<< /Type /Catalog /Pages 2 0 R >>';
const HELVETICA = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';

/** Lines of ASCII text, 16 points apart from the top of a Letter page. */
function textContent(lines: string[], font = '/F1'): string {
  const shows = lines.map((line) => `${pdfString(line)} Tj`).join(' 0 -16 Td ');
  return `BT ${font} 12 Tf 72 720 Td ${shows} ET`;
}

/** A catalog, a page tree of `pages` (content stream, resources), and then `extra` objects. */
function pagedPdf(
  pages: Array<{ content: string; resources: string }>,
  extra: PdfObject[] = [],
  options: Parameters<typeof writePdf>[1] = {},
): Uint8Array {
  // Objects: 1 catalog, 2 page tree, then a page and its content for each page, then `extra`.
  const kids = pages.map((_, i) => `${3 + i * 2} 0 R`).join(' ');
  const objects: PdfObject[] = [CATALOG, `<< /Type /Pages /Kids [${kids}] /Count ${pages.length} >>`];
  for (const [i, page] of pages.entries()) {
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${4 + i * 2} 0 R /Resources ${page.resources} >>`,
      { dictionary: '<< >>', stream: page.content },
    );
  }
  return writePdf([...objects, ...extra], options);
}

/** A PDF with a page for each list of lines, in Helvetica. */
export function textPdf(pages: string[][]): Uint8Array {
  const fontObject = 3 + pages.length * 2;
  return pagedPdf(
    pages.map((lines) => ({
      content: textContent(lines),
      resources: `<< /Font << /F1 ${fontObject} 0 R >> >>`,
    })),
    [HELVETICA],
  );
}

const ENGLISH_LINES = ['Quarterly report (draft)', 'Revenue grew 12% in Q3; R&D costs fell.'];

export function englishPdf(): Uint8Array {
  return textPdf([ENGLISH_LINES]);
}

const PAGES = [
  ['Page one: alpha', 'The first page.'],
  ['Page two: beta', 'The second page.'],
  ['Page three: gamma', 'The third page.'],
];

export function multiPagePdf(): Uint8Array {
  return textPdf(PAGES);
}

const CHINESE_LINES = ['季度报告：收入增长百分之十二。', '研发费用下降，结论见第三页。'];

/**
 * Chinese text in a Type0 font with Identity-H encoding (two-byte glyph ids) and a ToUnicode map, the way Word
 * and WPS write it, but without the embedded glyphs: a reader gets the text from the map alone.
 */
export function chinesePdf(): Uint8Array {
  return unicodePdf(CHINESE_LINES);
}

/** Lines of any text (Chinese included; characters of the Basic Multilingual Plane) on one page, as chinesePdf. */
export function unicodePdf(lines: string[]): Uint8Array {
  const characters = [...new Set(lines.join(''))];
  const cid = (char: string) => (characters.indexOf(char) + 1).toString(16).padStart(4, '0');
  const shows = lines.map((line) => `<${[...line].map(cid).join('')}> Tj`).join(' 0 -20 Td ');
  const mappings = characters.map((char) => `<${cid(char)}> <${utf16Hex(char)}>`).join('\n');
  const toUnicode = [
    '/CIDInit /ProcSet findresource begin 12 dict begin begincmap',
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
    '/CMapName /Adobe-Identity-UCS def /CMapType 2 def',
    '1 begincodespacerange <0000> <FFFF> endcodespacerange',
    `${characters.length} beginbfchar\n${mappings}\nendbfchar`,
    'endcmap CMapName currentdict /CMap defineresource pop end end',
  ].join('\n');
  // Objects after the page: 5 Type0 font, 6 CID font, 7 font descriptor, 8 ToUnicode map.
  return pagedPdf(
    [{ content: `BT /F1 14 Tf 72 720 Td ${shows} ET`, resources: '<< /Font << /F1 5 0 R >> >>' }],
    [
      '<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 8 0 R >>',
      '<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R /DW 1000 /CIDToGIDMap /Identity >>',
      '<< /Type /FontDescriptor /FontName /SimSun /Flags 4 /FontBBox [0 -141 1000 859] /ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 683 /StemV 80 >>',
      { dictionary: '<< >>', stream: toUnicode },
    ],
  );
}

const CJK_FONT_LINES = ['电子发票：金额壹佰元整。'];

/**
 * Chinese text in the Adobe font STSong-Light with the predefined UniGB-UCS2-H encoding, not embedded and with no
 * ToUnicode map, as iText writes Chinese invoices: a reader needs the Adobe-GB1 character maps to get the text.
 */
export function cjkFontPdf(): Uint8Array {
  const shows = CJK_FONT_LINES.map((line) => `<${utf16Hex(line)}> Tj`).join(' 0 -20 Td ');
  return pagedPdf(
    [{ content: `BT /F1 14 Tf 72 720 Td ${shows} ET`, resources: '<< /Font << /F1 5 0 R >> >>' }],
    [
      '<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>',
      '<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 7 0 R /DW 1000 >>',
      '<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>',
    ],
  );
}

/** A page that only draws an image, as a scanner makes it: pages, but no text to extract. */
export function scannedPdf(): Uint8Array {
  const pixels = Uint8Array.from({ length: 16 * 16 }, (_, i) => ((i >> 4) + (i & 15)) * 8);
  return pagedPdf(
    [{ content: 'q 300 0 0 300 150 400 cm /Im1 Do Q', resources: '<< /XObject << /Im1 5 0 R >> >>' }],
    [
      {
        dictionary:
          '<< /Type /XObject /Subtype /Image /Width 16 /Height 16 /ColorSpace /DeviceGray /BitsPerComponent 8 >>',
        stream: pixels,
      },
    ],
  );
}

const ENCRYPTED_LINES = ['Confidential: the launch date is 1 May.'];
export const USER_PASSWORD = 'secret';

/** Encrypted with the standard security handler (RC4, 128 bits): it opens only with the user password. */
export function encryptedPdf(): Uint8Array {
  const encryption = standardEncryption(
    USER_PASSWORD,
    'owner-secret',
    Buffer.from('0123456789abcdef0123456789abcdef', 'hex'),
  );
  return pagedPdf(
    [{ content: textContent(ENCRYPTED_LINES), resources: '<< /Font << /F1 5 0 R >> >>' }],
    [HELVETICA, encryption.dictionary],
    { trailer: `/Encrypt 6 0 R ${encryption.trailerId} `, encryptStream: encryption.encryptStream },
  );
}

/** The first bytes of a PDF, cut off inside its catalog: a download that broke off early. */
export function truncatedPdf(): Uint8Array {
  const whole = englishPdf();
  return whole.subarray(0, whole.indexOf(0x2f, 30) + 8);
}

function utf16Hex(text: string): string {
  return Buffer.from(text, 'utf16le').swap16().toString('hex').toUpperCase();
}
