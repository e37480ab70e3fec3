import type { OfficeZip } from './office-zip';
import type { TextCollector } from './text-collector';
import { endsElement, opensElement, xmlTokens } from './xml-tokens';

// Inside a run, these stand for characters; elsewhere (a paragraph's tab stops) a w:tab is formatting.
const RUN_CHARACTERS: Record<string, string> = {
  'w:tab': '\t',
  'w:br': '\n',
  'w:cr': '\n',
  'w:noBreakHyphen': '-',
};

/**
 * The body text of a Word document: a line a paragraph, and a line a table row with its cells separated by tabs.
 * Deleted text, field codes and the fallback copies of text boxes are left out.
 */
export function docxText(zip: OfficeZip, collector: TextCollector): void {
  const xml = zip.text('word/document.xml');
  if (xml === undefined || !/<w:document[\s>]/.test(xml)) throw new Error('no Word document body');
  let paragraph = '';
  let inRun = false;
  let inText = false;
  let fallbackDepth = 0;
  let tableDepth = 0;
  let cells: string[] = [];
  for (const token of xmlTokens(xml)) {
    // mc:Fallback repeats what its mc:Choice holds, for older readers.
    if (token.kind !== 'text' && token.name === 'mc:Fallback') {
      if (token.kind === 'close') fallbackDepth -= 1;
      else if (opensElement(token)) fallbackDepth += 1;
      continue;
    }
    if (fallbackDepth > 0) continue;
    if (token.kind === 'text') {
      if (inText) paragraph += token.text;
      continue;
    }
    const opens = token.kind === 'open';
    const inCell = tableDepth > 0;
    switch (token.name) {
      case 'w:r':
        inRun = opensElement(token);
        break;
      case 'w:t':
        inText = opensElement(token);
        break;
      case 'w:p':
        if (!endsElement(token)) break;
        if (!inCell) collector.add(paragraph.trimEnd(), '\n');
        else if (cells.length > 0) cells[cells.length - 1] = joinWords(cells.at(-1) ?? '', paragraph);
        paragraph = '';
        break;
      case 'w:tbl':
        tableDepth += opens ? 1 : -1;
        break;
      case 'w:tr':
        // Rows of a table nested in a cell run on inside that cell.
        if (tableDepth !== 1) break;
        if (opens) cells = [];
        else collector.add(cells.join('\t').trimEnd(), '\n');
        break;
      case 'w:tc':
        if (tableDepth === 1 && opens) cells.push('');
        break;
      default: {
        const character = RUN_CHARACTERS[token.name];
        if (character !== undefined && inRun && opens) paragraph += inCell ? ' ' : character;
      }
    }
  }
}

function joinWords(first: string, second: string): string {
  const a = first.trim();
  const b = second.trim();
  return a && b ? `${a} ${b}` : a || b;
}
