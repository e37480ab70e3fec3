import { xmlAttribute, xmlTokens } from './xml-tokens';

/**
 * A part's relationships (its "_rels/<part>.rels"): relationship id → the zip path of the part it points to.
 * Links to outside the file are left out.
 */
export function readRelationships(xml: string | undefined, partPath: string): Map<string, string> {
  const relationships = new Map<string, string>();
  const base = partPath.slice(0, partPath.lastIndexOf('/') + 1);
  for (const token of xmlTokens(xml ?? '')) {
    if (token.kind !== 'open' || token.name !== 'Relationship') continue;
    const id = xmlAttribute(token.attributes, 'Id');
    const target = xmlAttribute(token.attributes, 'Target');
    if (!id || !target || xmlAttribute(token.attributes, 'TargetMode') === 'External') continue;
    relationships.set(id, resolvePartPath(base, target));
  }
  return relationships;
}

/** The relationships file of a part: "xl/workbook.xml" → "xl/_rels/workbook.xml.rels". */
export function relationshipsPath(partPath: string): string {
  const slash = partPath.lastIndexOf('/') + 1;
  return `${partPath.slice(0, slash)}_rels/${partPath.slice(slash)}.rels`;
}

function resolvePartPath(base: string, target: string): string {
  const segments = target.startsWith('/') ? [] : base.split('/').filter(Boolean);
  for (const segment of target.split('/')) {
    if (segment === '..') segments.pop();
    else if (segment !== '.' && segment !== '') segments.push(segment);
  }
  return segments.join('/');
}
