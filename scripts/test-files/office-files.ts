import { strToU8, type Zippable, zipSync } from 'fflate';

// Local time, as zip stores it: the same date in the file on any machine, in any time zone.
const ZIP_DATE = new Date(2024, 0, 1, 12, 0, 0);

/** A zip of text parts, deflated (as Office saves them), with a fixed date so the bytes never change. */
export function zipOf(parts: Record<string, string>): Uint8Array {
  const files: Zippable = {};
  for (const [name, text] of Object.entries(parts)) files[name] = strToU8(text);
  return zipSync(files, { level: 6, mtime: ZIP_DATE });
}

const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const RELS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const OFFICE_RELS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

function relationships(entries: Array<[id: string, type: string, target: string]>): string {
  const items = entries.map(
    ([id, type, target]) => `<Relationship Id="${id}" Type="${OFFICE_RELS}/${type}" Target="${target}"/>`,
  );
  return `${XML}<Relationships xmlns="${RELS}">${items.join('')}</Relationships>`;
}

function contentTypes(overrides: Array<[part: string, type: string]>): string {
  const items = overrides.map(([part, type]) => `<Override PartName="${part}" ContentType="${type}"/>`);
  return `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>${items.join('')}</Types>`;
}

const W =
  'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"';
const run = (text: string) => `<w:r><w:t xml:space="preserve">${text}</w:t></w:r>`;
const paragraph = (...runs: string[]) => `<w:p>${runs.join('')}</w:p>`;
const cell = (text: string) =>
  `<w:tc><w:tcPr><w:tcW w:w="2000" w:type="dxa"/></w:tcPr>${paragraph(run(text))}</w:tc>`;

/**
 * What a reader must get right in a Word body: entities, runs split mid-word, tabs and breaks in runs but not the
 * tab stops of a paragraph's properties, a table, Chinese text, and text it must leave out (deleted text, a field
 * code, the fallback copy of a text box).
 */
const DOCUMENT_BODY = [
  paragraph(run('Project plan')),
  paragraph(run('Budget: R&amp;D &lt;core&gt; &quot;costs&quot; &#x2014; &#20013;')),
  `<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>${run('Na')}${run('me')}<w:r><w:tab/><w:t>Value</w:t><w:br/><w:t>Second line</w:t></w:r></w:p>`,
  paragraph(run('中文段落：预算为一百万元。')),
  `<w:tbl><w:tblPr><w:tblW w:w="6000" w:type="dxa"/></w:tblPr><w:tr>${cell('Item')}${cell('Cost')}${cell('备注')}</w:tr><w:tr>${cell('Servers')}${cell('1200')}${cell('每月')}</w:tr></w:tbl>`,
  paragraph(
    run('Kept'),
    '<w:del w:id="1" w:author="A"><w:r><w:delText> removed</w:delText></w:r></w:del>',
    run(' text'),
  ),
  paragraph(
    run('Page '),
    '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>',
  ),
  paragraph(
    '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent>',
    paragraph(run('Text box note')),
    '</w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>',
    paragraph(run('Text box note')),
    '</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>',
  ),
].join('');

const DOCUMENT_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml';

export function docx(): Uint8Array {
  // The document part comes first, so that a truncated copy still shows, by its local header, what it was.
  return zipOf({
    'word/document.xml': `${XML}<w:document ${W}><w:body>${DOCUMENT_BODY}<w:sectPr/></w:body></w:document>`,
    '[Content_Types].xml': contentTypes([['/word/document.xml', DOCUMENT_TYPE]]),
    '_rels/.rels': relationships([['rId1', 'officeDocument', 'word/document.xml']]),
  });
}

/** A plain Word document: paragraphs, and tables given as rows of cells, in order. */
export function textDocx(blocks: Array<string | string[][]>): Uint8Array {
  const body = blocks
    .map((block) =>
      typeof block === 'string'
        ? paragraph(run(escapeXml(block)))
        : `<w:tbl>${block.map((row) => `<w:tr>${row.map((text) => cell(escapeXml(text))).join('')}</w:tr>`).join('')}</w:tbl>`,
    )
    .join('');
  return zipOf({
    'word/document.xml': `${XML}<w:document ${W}><w:body>${body}<w:sectPr/></w:body></w:document>`,
    '[Content_Types].xml': contentTypes([['/word/document.xml', DOCUMENT_TYPE]]),
    '_rels/.rels': relationships([['rId1', 'officeDocument', 'word/document.xml']]),
  });
}

/** A docx cut off mid-way, as an interrupted download leaves it: no central directory. */
export function truncatedDocx(): Uint8Array {
  const whole = docx();
  return whole.subarray(0, Math.floor(whole.length * 0.6));
}

/** A well-formed zip that says it is a Word document, but whose document part is not XML. */
export function garbageDocx(): Uint8Array {
  return zipOf({
    'word/document.xml': 'this is not a Word document body \u0001\u0002',
    '[Content_Types].xml': contentTypes([['/word/document.xml', DOCUMENT_TYPE]]),
    '_rels/.rels': relationships([['rId1', 'officeDocument', 'word/document.xml']]),
  });
}

const SHEET_NS =
  'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
const sheet = (rows: string) => `${XML}<worksheet ${SHEET_NS}><sheetData>${rows}</sheetData></worksheet>`;

/**
 * Two sheets (the second with an entity in its name) with shared, rich, phonetic and inline strings, numbers, a
 * formula, a boolean, an error, built-in and custom date formats, a time, an empty row and a skipped column.
 */
export function xlsx(): Uint8Array {
  return zipOf({
    '[Content_Types].xml': contentTypes([
      ['/xl/workbook.xml', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml'],
    ]),
    '_rels/.rels': relationships([['rId1', 'officeDocument', 'xl/workbook.xml']]),
    'xl/workbook.xml': `${XML}<workbook ${SHEET_NS}><workbookPr/><sheets><sheet name="Budget" sheetId="1" r:id="rId1"/><sheet name="备注 &amp; notes" sheetId="2" r:id="rId2"/></sheets></workbook>`,
    'xl/_rels/workbook.xml.rels': relationships([
      ['rId1', 'worksheet', 'worksheets/sheet1.xml'],
      ['rId2', 'worksheet', '/xl/worksheets/sheet2.xml'],
      ['rId3', 'sharedStrings', 'sharedStrings.xml'],
      ['rId4', 'styles', 'styles.xml'],
    ]),
    'xl/sharedStrings.xml': `${XML}<sst ${SHEET_NS} count="6" uniqueCount="6"><si><t>Item</t></si><si><t>Cost</t></si><si><t>Servers</t></si><si><t>Laptops</t></si><si><r><t xml:space="preserve">Rich </t></r><r><rPr><b/></rPr><t>text</t></r></si><si><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh></si></sst>`,
    'xl/styles.xml': `${XML}<styleSheet ${SHEET_NS}><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts><cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="20" applyNumberFormat="1"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>`,
    'xl/worksheets/sheet1.xml': sheet(
      '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>Date</t></is></c></row>' +
        '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>1200.5</v></c><c r="C2" s="1"><v>45292</v></c></row>' +
        '<row r="3"/>' +
        '<row r="4"><c r="A4" t="s"><v>3</v></c><c r="B4"><f>B2*2</f><v>2401</v></c><c r="D4" t="b"><v>1</v></c></row>' +
        '<row r="5"><c r="A5" t="str"><f>"Total"</f><v>Total</v></c><c r="B5" t="e"><v>#DIV/0!</v></c></row>',
    ),
    'xl/worksheets/sheet2.xml': sheet(
      '<row r="1"><c r="A1" t="inlineStr"><is><t>中文备注</t></is></c><c r="B1" t="s"><v>4</v></c><c r="C1" s="3"><v>45292</v></c></row>' +
        '<row r="2"><c r="A2" t="s"><v>5</v></c><c r="B2" s="2"><v>0.5</v></c></row>',
    ),
  });
}

/** A plain workbook: sheets of rows, text as inline strings and numbers as numbers. */
export function textXlsx(sheets: Array<{ name: string; rows: Array<Array<string | number>> }>): Uint8Array {
  const column = (index: number) => String.fromCharCode(65 + index);
  const value = (ref: string, item: string | number) =>
    typeof item === 'number'
      ? `<c r="${ref}"><v>${item}</v></c>`
      : `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${escapeXml(item)}</t></is></c>`;
  const parts: Record<string, string> = {
    '[Content_Types].xml': contentTypes([
      ['/xl/workbook.xml', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml'],
    ]),
    '_rels/.rels': relationships([['rId1', 'officeDocument', 'xl/workbook.xml']]),
    'xl/workbook.xml': `${XML}<workbook ${SHEET_NS}><sheets>${sheets.map((item, i) => `<sheet name="${escapeXml(item.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('')}</sheets></workbook>`,
    'xl/_rels/workbook.xml.rels': relationships(
      sheets.map((_, i) => [`rId${i + 1}`, 'worksheet', `worksheets/sheet${i + 1}.xml`]),
    ),
  };
  for (const [i, item] of sheets.entries()) {
    parts[`xl/worksheets/sheet${i + 1}.xml`] = sheet(
      item.rows
        .map(
          (row, r) =>
            `<row r="${r + 1}">${row.map((cellValue, c) => value(`${column(c)}${r + 1}`, cellValue)).join('')}</row>`,
        )
        .join(''),
    );
  }
  return zipOf(parts);
}

const P =
  'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"';
const slide = (...paragraphs: string[]) =>
  `${XML}<p:sld ${P}><p:cSld><p:spTree><p:sp><p:txBody>${paragraphs.map((text) => `<a:p><a:r><a:t>${text}</a:t></a:r></a:p>`).join('')}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>`;

/** Two slides whose order in the presentation is not their files' order, as after moving a slide. */
export function pptx(): Uint8Array {
  return zipOf({
    '[Content_Types].xml': contentTypes([
      [
        '/ppt/presentation.xml',
        'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml',
      ],
    ]),
    '_rels/.rels': relationships([['rId1', 'officeDocument', 'ppt/presentation.xml']]),
    'ppt/presentation.xml': `${XML}<p:presentation ${P}><p:sldIdLst><p:sldId id="256" r:id="rId3"/><p:sldId id="257" r:id="rId2"/></p:sldIdLst></p:presentation>`,
    'ppt/_rels/presentation.xml.rels': relationships([
      ['rId2', 'slide', 'slides/slide1.xml'],
      ['rId3', 'slide', 'slides/slide2.xml'],
    ]),
    'ppt/slides/slide1.xml': slide('Thanks', '谢谢'),
    'ppt/slides/slide2.xml': slide('Roadmap', 'Q1: launch &amp; review'),
  });
}

/** A zip that is no Office file. */
export function plainZip(): Uint8Array {
  return zipOf({ 'notes.txt': 'Plain notes.\n', 'data/numbers.csv': 'a,b\n1,2\n' });
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
