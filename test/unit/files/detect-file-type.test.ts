import { describe, expect, it } from 'vitest';
import { detectFileType } from '../../../src/files/extract-file-text';
import { fixture } from './fixture-files';

// Each test file's type, told by its bytes with its name, and with no name at all (DingTalk's may lack one).
const TYPES: Array<[name: string, withName: string, withoutName: string]> = [
  ['english.pdf', 'pdf', 'pdf'],
  ['chinese.pdf', 'pdf', 'pdf'],
  ['cjk-font.pdf', 'pdf', 'pdf'],
  ['multi-page.pdf', 'pdf', 'pdf'],
  ['scanned.pdf', 'pdf', 'pdf'],
  ['encrypted.pdf', 'pdf', 'pdf'],
  ['truncated.pdf', 'pdf', 'pdf'],
  ['report.docx', 'docx', 'docx'],
  ['truncated.docx', 'docx', 'docx'],
  ['garbage.docx', 'docx', 'docx'],
  ['budget.xlsx', 'xlsx', 'xlsx'],
  ['slides.pptx', 'pptx', 'pptx'],
  // Only the name can tell what an encrypted Office package was.
  ['encrypted.docx', 'docx', 'office'],
  ['legacy.doc', 'doc', 'doc'],
  ['notes-utf8.txt', 'txt', 'txt'],
  ['notes-utf8-bom.txt', 'txt', 'txt'],
  ['notes-gb18030.txt', 'txt', 'txt'],
  ['notes-utf16.txt', 'txt', 'txt'],
  ['table.csv', 'csv', 'csv'],
  ['release-notes.md', 'md', 'md'],
  ['data.json', 'json', 'json'],
  ['prompt-injection.txt', 'txt', 'txt'],
  ['image.png', 'image', 'image'],
  ['archive.zip', 'zip', 'zip'],
];

describe('detectFileType', () => {
  it.each(TYPES)('%s is %s (%s without a name)', (name, withName, withoutName) => {
    expect(detectFileType(fixture(name), name)).toBe(withName);
    expect(detectFileType(fixture(name))).toBe(withoutName);
    expect(detectFileType(fixture(name), 'file-without-extension')).toBe(withoutName);
  });

  it('goes by the bytes, not a misleading extension', () => {
    expect(detectFileType(fixture('english.pdf'), 'x.txt')).toBe('pdf');
    expect(detectFileType(fixture('report.docx'), 'report.xlsx')).toBe('docx');
    expect(detectFileType(fixture('image.png'), 'notes.md')).toBe('image');
    expect(detectFileType(fixture('notes-utf8.txt'), 'scan.pdf')).toBe('txt');
  });

  it('lets the name pick among the text kinds only', () => {
    expect(detectFileType(fixture('data.json'), 'data.txt')).toBe('txt');
    expect(detectFileType(fixture('table.csv'), 'table.md')).toBe('md');
    expect(detectFileType(fixture('notes-utf8.txt'), 'notes.csv')).toBe('csv');
    // A .json name on text that does not parse as JSON is plain text.
    expect(detectFileType(fixture('notes-utf8.txt'), 'notes.json')).toBe('txt');
  });

  it('tells an empty file and whitespace as text', () => {
    expect(detectFileType(new Uint8Array())).toBe('txt');
    expect(detectFileType(bytes('  \n'))).toBe('txt');
  });

  it('finds a PDF header after some junk, in the first kilobyte', () => {
    expect(detectFileType(new Uint8Array([0, 1, 2, ...fixture('english.pdf')]))).toBe('pdf');
  });

  it('tells binary data that is no known type as unknown', () => {
    const noise = Uint8Array.from({ length: 4096 }, (_, i) => ((i * 2654435761) >>> 13) & 0xff || 1);
    expect(detectFileType(noise)).toBe('unknown');
    expect(detectFileType(new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0]), 'setup.txt')).toBe('unknown');
  });

  it.each([
    ['JPEG', [0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46], 'image'],
    ['GIF', [...ascii('GIF89a'), 1, 0], 'image'],
    ['WebP', [...ascii('RIFF'), 0, 0, 0, 0, ...ascii('WEBPVP8 ')], 'image'],
    ['HEIC', [0, 0, 0, 0x18, ...ascii('ftypheic'), 0, 0, 0, 0], 'image'],
    ['MP4', [0, 0, 0, 0x18, ...ascii('ftypisom'), 0, 0, 2, 0], 'video'],
    ['M4A', [0, 0, 0, 0x18, ...ascii('ftypM4A '), 0, 0, 2, 0], 'audio'],
    ['MP3 with ID3', [...ascii('ID3'), 4, 0, 0, 0, 0, 0x0f, 0x76], 'audio'],
    ['AMR voice', [...ascii('#!AMR\n'), 0x3c, 0x48, 0xf5, 0x1f], 'audio'],
    ['gzip', [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3], 'archive'],
    ['7z', [...ascii('7z'), 0xbc, 0xaf, 0x27, 0x1c, 0, 4], 'archive'],
    ['RTF', ascii('{\\rtf1\\ansi hello}'), 'rtf'],
  ])('tells %s by its signature', (_, signature, type) => {
    expect(detectFileType(new Uint8Array(signature))).toBe(type);
  });

  it('does not take text for a signature that could open it', () => {
    expect(detectFileType(new Uint8Array([0xff, 0xfe, ...Buffer.from('音频 audio', 'utf16le')]))).toBe('txt');
    expect(detectFileType(bytes('BMW sales rose in March.\n'))).toBe('txt');
    expect(detectFileType(bytes('ID3 tags are metadata.\n'))).toBe('txt');
  });
});

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function ascii(text: string): number[] {
  return [...text].map((char) => char.charCodeAt(0));
}
