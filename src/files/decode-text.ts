/**
 * The text in `bytes` if they are text: UTF-8 (with or without a BOM), UTF-16 with a BOM, or GB18030 (which
 * covers GBK and GB2312, still common for Chinese files saved on Windows); undefined for anything else.
 */
export function decodeText(bytes: Uint8Array): string | undefined {
  const bom = bomEncoding(bytes);
  if (bom) return checked(decode(bom, bytes), false);
  if (bytes.includes(0)) return undefined;
  return checked(decode('utf-8', bytes), false) ?? checked(decode('gb18030', bytes), true);
}

function bomEncoding(bytes: Uint8Array): 'utf-8' | 'utf-16le' | 'utf-16be' | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** TextDecoder drops the BOM of its own encoding; `fatal` turns any invalid sequence into a refusal. */
function decode(encoding: string, bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Text has (almost) no control characters. Legacy-encoded
 * Chinese text is also mostly Hanzi, CJK punctuation and full-width forms beyond ASCII: other binary data or
 * encodings that happen to decode as GB18030 give rarer characters.
 */
function checked(text: string | undefined, legacyChinese: boolean): string | undefined {
  if (text === undefined) return undefined;
  let controls = 0;
  let nonAscii = 0;
  let chinese = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 0) return undefined;
    if (isControl(code)) controls += 1;
    else if (code > 0x7f) {
      nonAscii += 1;
      if (isChinese(code)) chinese += 1;
    }
  }
  if (controls > text.length / 1000) return undefined;
  return legacyChinese && chinese < nonAscii * 0.8 ? undefined : text;
}

// Tab, line breaks, form feed and escape occur in text files; other C0 and C1 control codes do not.
function isControl(code: number): boolean {
  return (code < 0x20 && (code < 0x09 || code > 0x0d) && code !== 0x1b) || (code >= 0x7f && code <= 0x9f);
}

function isChinese(code: number): boolean {
  return (
    (code >= 0x3000 && code <= 0x303f) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xff00 && code <= 0xffef)
  );
}
