/** The image formats OpenAI-compatible vision models take, recognised by their first bytes (never by name or header). */
const SIGNATURES: Array<{ mime: string; test: (bytes: Uint8Array) => boolean }> = [
  { mime: 'image/png', test: (b) => starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { mime: 'image/jpeg', test: (b) => starts(b, [0xff, 0xd8, 0xff]) },
  { mime: 'image/gif', test: (b) => starts(b, [0x47, 0x49, 0x46, 0x38]) },
  // RIFF....WEBP
  {
    mime: 'image/webp',
    test: (b) => starts(b, [0x52, 0x49, 0x46, 0x46]) && starts(b.subarray(8), [0x57, 0x45, 0x42, 0x50]),
  },
];

/** The MIME type of an image, or undefined when the bytes are not one. */
export function detectImageType(bytes: Uint8Array): string | undefined {
  return SIGNATURES.find((signature) => signature.test(bytes))?.mime;
}

function starts(bytes: Uint8Array, prefix: number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((value, index) => bytes[index] === value);
}
