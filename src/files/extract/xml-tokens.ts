/**
 * A tokenizer for the well-formed, machine-written XML parts of Office files; it checks nothing a parser would.
 * Names keep their prefix ("w:t"); text is entity-decoded; comments, declarations and instructions are skipped.
 */
export type XmlToken =
  | { kind: 'open'; name: string; attributes: string; selfClosing: boolean }
  | { kind: 'close'; name: string }
  | { kind: 'text'; text: string };

// Attribute values may hold '>', so a tag runs to the first '>' outside quotes.
const TOKEN =
  /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<[?!][^>]*>|<(\/?)([\w:.-]+)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>|([^<]+)/g;

/**
 * The tokens of a part, given whole or in pieces as it inflates. Text between tags never holds '<' (XML escapes
 * it; Office writes no CDATA), so all before a piece's last '<' is complete and can be tokenized.
 */
export function* xmlTokens(xml: string | Iterable<string>): Generator<XmlToken> {
  if (typeof xml === 'string') {
    yield* tokensOf(xml);
    return;
  }
  let pending = '';
  for (const piece of xml) {
    pending += piece;
    const cut = pending.lastIndexOf('<');
    if (cut <= 0) continue;
    yield* tokensOf(pending.slice(0, cut));
    pending = pending.slice(cut);
  }
  yield* tokensOf(pending);
}

function* tokensOf(xml: string): Generator<XmlToken> {
  for (const match of xml.matchAll(TOKEN)) {
    const [, cdata, slash, name, attributes, selfClosing, text] = match;
    if (cdata !== undefined) yield { kind: 'text', text: cdata };
    else if (text !== undefined) yield { kind: 'text', text: decodeXmlEntities(text) };
    else if (name === undefined) continue;
    else if (slash) yield { kind: 'close', name };
    else yield { kind: 'open', name, attributes: attributes ?? '', selfClosing: selfClosing === '/' };
  }
}

/** A start tag with content to follow (not a self-closing one): what sets "inside this element". */
export function opensElement(token: XmlToken): boolean {
  return token.kind === 'open' && !token.selfClosing;
}

/** An end tag, or a self-closing tag: where an element is complete. */
export function endsElement(token: XmlToken): boolean {
  return token.kind === 'close' || (token.kind === 'open' && token.selfClosing);
}

const attributePatterns = new Map<string, RegExp>();

/** The entity-decoded value of an attribute (by its full name, prefix included) in a tag's attribute text. */
export function xmlAttribute(attributes: string, name: string): string | undefined {
  let pattern = attributePatterns.get(name);
  if (!pattern) {
    pattern = new RegExp(`(?:^|\\s)${name.replace(/[.]/g, '\\.')}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`);
    attributePatterns.set(name, pattern);
  }
  const match = pattern.exec(attributes);
  const value = match?.[1] ?? match?.[2];
  return value === undefined ? undefined : decodeXmlEntities(value);
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeXmlEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(
    /&(?:#x([0-9a-f]+)|#(\d+)|(\w+));/gi,
    (entity, hex?: string, decimal?: string, named?: string) => {
      if (named !== undefined) return NAMED[named] ?? entity;
      const code = Number.parseInt(hex ?? decimal ?? '', hex ? 16 : 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : entity;
    },
  );
}
