import type { FileType } from './file-types';

/** What a file's first bytes say it is: zip and compound files still need a look at their entries. */
export type MagicKind =
  | Extract<FileType, 'pdf' | 'zip' | 'rtf' | 'image' | 'audio' | 'video' | 'archive'>
  | 'compound-file';

// A string signature is compared byte by byte with its char codes (all below 0x100).
type Signature = string | number[];

function has(bytes: Uint8Array, offset: number, signature: Signature): boolean {
  const codes = typeof signature === 'string' ? [...signature].map((char) => char.charCodeAt(0)) : signature;
  return codes.every((code, i) => bytes[offset + i] === code);
}

// ISO base media files (MP4, MOV, HEIC, M4A) say which they are in the brand after "ftyp".
const IMAGE_BRANDS = ['heic', 'heix', 'heim', 'heis', 'hevc', 'mif1', 'msf1', 'avif', 'avis'];
const AUDIO_BRANDS = ['M4A ', 'M4B ', 'M4P '];

function isoMediaKind(bytes: Uint8Array): MagicKind | undefined {
  if (!has(bytes, 4, 'ftyp')) return undefined;
  const brand = String.fromCharCode(...bytes.subarray(8, 12));
  if (IMAGE_BRANDS.includes(brand)) return 'image';
  return AUDIO_BRANDS.includes(brand) ? 'audio' : 'video';
}

// The second byte of an MP3 (MPEG 1, 2, 2.5 layer III) or AAC (ADTS) frame header; not FE, a UTF-16 BOM.
const MPEG_AUDIO_FRAMES = [0xfb, 0xfa, 0xf3, 0xf2, 0xe3, 0xe2, 0xf1, 0xf9];

// Signatures short enough to open a text file carry a check of the bytes after them.
const KINDS: Array<[MagicKind, (bytes: Uint8Array) => boolean]> = [
  ['zip', (b) => has(b, 0, 'PK\u0003\u0004') || has(b, 0, 'PK\u0005\u0006') || has(b, 0, 'PK\u0007\u0008')],
  ['compound-file', (b) => has(b, 0, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])],
  ['rtf', (b) => has(b, 0, '{\\rtf')],
  ['image', (b) => has(b, 0, '\u0089PNG\r\n\u001a\n') || has(b, 0, [0xff, 0xd8, 0xff]) || has(b, 0, 'GIF8')],
  ['image', (b) => has(b, 0, 'RIFF') && has(b, 8, 'WEBP')],
  ['image', (b) => has(b, 0, 'II*\u0000') || has(b, 0, 'MM\u0000*')],
  ['image', (b) => has(b, 0, 'BM') && [12, 40, 52, 56, 108, 124].includes(b[14] ?? 0) && b[15] === 0],
  ['image', (b) => has(b, 0, [0, 0, 1, 0]) || has(b, 0, '8BPS\u0000\u0001')],
  ['audio', (b) => has(b, 0, 'ID3') && [2, 3, 4].includes(b[3] ?? 0) && b[4] === 0],
  ['audio', (b) => b[0] === 0xff && MPEG_AUDIO_FRAMES.includes(b[1] ?? 0)],
  ['audio', (b) => (has(b, 0, 'RIFF') && has(b, 8, 'WAVE')) || has(b, 0, 'OggS\u0000') || has(b, 0, 'fLaC')],
  ['audio', (b) => has(b, 0, '#!AMR') || has(b, 0, '#!SILK') || has(b, 1, '#!SILK')],
  ['video', (b) => has(b, 0, [0x1a, 0x45, 0xdf, 0xa3]) || (has(b, 0, 'RIFF') && has(b, 8, 'AVI '))],
  ['video', (b) => has(b, 0, 'FLV\u0001') || has(b, 0, [0, 0, 1, 0xba]) || has(b, 0, [0, 0, 1, 0xb3])],
  ['archive', (b) => has(b, 0, [0x1f, 0x8b]) || has(b, 0, 'Rar!\u001a\u0007')],
  ['archive', (b) => has(b, 0, '7z\u00bc\u00af\u0027\u001c') || has(b, 0, [0x28, 0xb5, 0x2f, 0xfd])],
  [
    'archive',
    (b) => has(b, 0, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0]) || (has(b, 0, 'BZh') && has(b, 4, '1AY&SY')),
  ],
  ['archive', (b) => has(b, 257, 'ustar')],
];

export function magicKind(bytes: Uint8Array): MagicKind | undefined {
  if (has(bytes, 0, '%PDF-')) return 'pdf';
  return KINDS.find(([, matches]) => matches(bytes))?.[0] ?? isoMediaKind(bytes);
}

/** PDF readers accept some junk before the header, within the first kilobyte. */
export function hasLatePdfHeader(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 1024);
  return Buffer.from(head.buffer, head.byteOffset, head.byteLength).includes('%PDF-', 0, 'latin1');
}
