/** A PDF object: its dictionary (or any other value), and for a stream its data. */
export type PdfObject = string | { dictionary: string; stream: Uint8Array | string };

/** Encrypts a stream's data with the key of its object (PDF 32000-1, 7.6.2). */
export type EncryptStream = (objectNumber: number, data: Uint8Array) => Uint8Array;

/**
 * A PDF with the objects numbered 1, 2, … in order, object 1 the catalog; `trailer` adds entries to the trailer
 * (an /Encrypt reference and /ID for an encrypted file). Streams are written as given, without compression, so
 * the bytes are the same on every Node and zlib version.
 */
export function writePdf(
  objects: PdfObject[],
  options: { trailer?: string; encryptStream?: EncryptStream } = {},
): Uint8Array {
  const parts: Buffer[] = [latin1('%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n')];
  let length = parts[0]?.length ?? 0;
  const offsets: number[] = [];
  const append = (part: Buffer) => {
    parts.push(part);
    length += part.length;
  };
  for (const [index, object] of objects.entries()) {
    const number = index + 1;
    offsets.push(length);
    if (typeof object === 'string') {
      append(latin1(`${number} 0 obj\n${object}\nendobj\n`));
      continue;
    }
    const raw = typeof object.stream === 'string' ? latin1(object.stream) : Buffer.from(object.stream);
    const data = options.encryptStream ? Buffer.from(options.encryptStream(number, raw)) : raw;
    const dictionary = object.dictionary.replace(/>>\s*$/, ` /Length ${data.length} >>`);
    append(latin1(`${number} 0 obj\n${dictionary}\nstream\n`));
    append(data);
    append(latin1('\nendstream\nendobj\n'));
  }
  const xref = length;
  const entries = offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  const trailer = `<< /Size ${objects.length + 1} /Root 1 0 R ${options.trailer ?? ''}>>`;
  append(
    latin1(
      `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${entries}trailer\n${trailer}\nstartxref\n${xref}\n%%EOF\n`,
    ),
  );
  return new Uint8Array(Buffer.concat(parts));
}

/** A literal string for ASCII text, with the characters that end or escape it escaped. */
export function pdfString(text: string): string {
  return `(${text.replace(/[\\()]/g, '\\$&')})`;
}

export function latin1(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}
