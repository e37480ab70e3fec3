import type { OfficeZip } from './office-zip';
import { readRelationships, relationshipsPath } from './relationships';
import type { TextCollector } from './text-collector';
import { endsElement, opensElement, xmlAttribute, xmlTokens } from './xml-tokens';

const PRESENTATION = 'ppt/presentation.xml';

/** Each slide with text as "## Slide <n>" and then a line a paragraph, in the presentation's order. */
export function pptxText(zip: OfficeZip, collector: TextCollector): void {
  const presentation = zip.text(PRESENTATION);
  if (presentation === undefined) throw new Error('no presentation');
  const parts = readRelationships(zip.text(relationshipsPath(PRESENTATION)), PRESENTATION);
  const slides: string[] = [];
  for (const token of xmlTokens(presentation)) {
    const path =
      token.kind === 'open' &&
      token.name === 'p:sldId' &&
      parts.get(xmlAttribute(token.attributes, 'r:id') ?? '');
    if (path) slides.push(path);
  }
  for (const [index, path] of slides.entries()) {
    const text = slideText(zip.text(path) ?? '');
    if (text) collector.add(`## Slide ${index + 1}\n${text}`, '\n\n');
  }
}

// DrawingML keeps a tab as a character in the text; a line break inside a paragraph is <a:br/>.
function slideText(xml: string): string {
  const lines: string[] = [];
  let line = '';
  let inText = false;
  for (const token of xmlTokens(xml)) {
    if (token.kind === 'text') {
      if (inText) line += token.text;
    } else if (token.name === 'a:t') inText = opensElement(token);
    else if (token.name === 'a:br' && token.kind === 'open') line += '\n';
    else if (token.name === 'a:p' && endsElement(token)) {
      if (line.trim()) lines.push(line);
      line = '';
    }
  }
  return lines.join('\n');
}
