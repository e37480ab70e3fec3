import type { OfficeZip } from './office-zip';
import { readRelationships, relationshipsPath } from './relationships';
import type { TextCollector } from './text-collector';
import { type DateStyles, readDateStyles } from './xlsx-dates';
import { endsElement, opensElement, xmlAttribute, xmlTokens } from './xml-tokens';

const WORKBOOK = 'xl/workbook.xml';

/**
 * Each sheet with rows as "## <sheet name>" and then a line a row, its cells separated by tabs (empty rows and
 * sheets left out). Sheets are inflated as they are read, and reading stops at the row that fills the collector:
 * a sheet far larger than the unzip limit still gives its first rows.
 */
export function xlsxText(zip: OfficeZip, collector: TextCollector): void {
  const workbook = zip.text(WORKBOOK);
  if (workbook === undefined) throw new Error('no workbook');
  const parts = readRelationships(zip.text(relationshipsPath(WORKBOOK)), WORKBOOK);
  const sharedStrings = readSharedStrings(zip.textChunks('xl/sharedStrings.xml'));
  const dates = readDateStyles(zip.text('xl/styles.xml'), /date1904\s*=\s*["'](1|true)["']/.test(workbook));
  for (const sheet of listSheets(workbook, parts)) {
    if (collector.full) return;
    let heading = `## ${sheet.name}`;
    for (const row of sheetRows(zip.textChunks(sheet.path), sharedStrings, dates)) {
      collector.add(heading ? `${heading}\n${row}` : row, heading ? '\n\n' : '\n');
      heading = '';
      if (collector.full) return;
    }
  }
}

function listSheets(workbook: string, parts: Map<string, string>): Array<{ name: string; path: string }> {
  const sheets: Array<{ name: string; path: string }> = [];
  for (const token of xmlTokens(workbook)) {
    if (token.kind !== 'open' || token.name !== 'sheet') continue;
    const path = parts.get(xmlAttribute(token.attributes, 'r:id') ?? '');
    if (path) sheets.push({ name: xmlAttribute(token.attributes, 'name') ?? '', path });
  }
  return sheets;
}

/** The shared strings table: a string item's text is its runs' text, without phonetic guides (rPh). */
function readSharedStrings(xml: Iterable<string>): string[] {
  const strings: string[] = [];
  let item = '';
  let inText = false;
  let inPhonetic = false;
  for (const token of xmlTokens(xml)) {
    if (token.kind === 'text') {
      if (inText && !inPhonetic) item += token.text;
    } else if (token.name === 't') inText = opensElement(token);
    else if (token.name === 'rPh') inPhonetic = opensElement(token);
    else if (token.name === 'si' && endsElement(token)) {
      strings.push(item);
      item = '';
    }
  }
  return strings;
}

/** The non-empty rows of a sheet, each as its cells' values separated by tabs, in their columns. */
function* sheetRows(xml: Iterable<string>, sharedStrings: string[], dates: DateStyles): Generator<string> {
  let row: string[] = [];
  let column = -1;
  let cellType = '';
  let cellStyle = '';
  let value = '';
  let inValue = false;
  let inPhonetic = false;
  for (const token of xmlTokens(xml)) {
    if (token.kind === 'text') {
      if (inValue && !inPhonetic) value += token.text;
      continue;
    }
    const opens = token.kind === 'open';
    switch (token.name) {
      case 'row':
        if (opens) {
          row = [];
          column = -1;
        } else if (row.some((cell) => cell !== '')) yield Array.from(row, (cell) => cell ?? '').join('\t');
        break;
      case 'c':
        if (opens) {
          column = columnIndex(xmlAttribute(token.attributes, 'r')) ?? column + 1;
          cellType = xmlAttribute(token.attributes, 't') ?? 'n';
          cellStyle = xmlAttribute(token.attributes, 's') ?? '';
          value = '';
        }
        if (endsElement(token)) row[column] = cellText(cellType, value, cellStyle, sharedStrings, dates);
        break;
      // A value is in <v>, or for an inline string in the <t> of <is>; the formula (<f>) is left out.
      case 'v':
      case 't':
        inValue = opensElement(token);
        break;
      case 'rPh':
        inPhonetic = opensElement(token);
        break;
    }
  }
}

function cellText(
  type: string,
  value: string,
  style: string,
  sharedStrings: string[],
  dates: DateStyles,
): string {
  if (type === 's') return sharedStrings[Number(value)] ?? '';
  if (type === 'b') return value === '1' ? 'TRUE' : 'FALSE';
  if (type === 'n' && value !== '') return dates.format(style, value) ?? value;
  return value;
}

/** "C7" → 2: the column of a cell reference. */
function columnIndex(reference: string | undefined): number | undefined {
  const letters = /^[A-Z]+/.exec(reference ?? '')?.[0];
  if (!letters) return undefined;
  let index = 0;
  for (const letter of letters) index = index * 26 + (letter.charCodeAt(0) - 64);
  return index - 1;
}
