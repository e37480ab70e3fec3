import { compoundFileEntryNames } from './compound-file';
import { decodeText } from './decode-text';
import { fileExtension } from './file-extension';
import type { FileType } from './file-types';
import { hasLatePdfHeader, magicKind } from './magic-numbers';
import { sniffTextType, type TextType } from './sniff-text-type';
import { localEntryNames, readZipDirectory } from './zip-directory';

type BinaryType = Exclude<FileType, TextType>;

export type SniffedFile = { type: TextType; text: string } | { type: BinaryType | 'unknown' };

/**
 * What a file is, from its bytes: magic numbers, the entries of a zip or compound file, or text that decodes.
 * The name (DingTalk's may have no extension) only picks among the text kinds and names encrypted Office files.
 */
export function detectFileType(bytes: Uint8Array, fileName?: string): FileType | 'unknown' {
  return sniffFile(bytes, fileName).type;
}

/** detectFileType, with the decoded text of a text file, so that extraction decodes it only once. */
export function sniffFile(bytes: Uint8Array, fileName?: string): SniffedFile {
  const kind = magicKind(bytes);
  if (kind === 'zip') return { type: zipType(bytes) };
  if (kind === 'compound-file') return { type: compoundFileType(bytes, fileName) };
  if (kind) return { type: kind };
  const text = decodeText(bytes);
  if (text !== undefined) return { type: sniffTextType(text, fileName), text };
  return { type: hasLatePdfHeader(bytes) ? 'pdf' : 'unknown' };
}

// A truncated zip has lost its central directory, but its local headers still tell what it was.
function zipType(bytes: Uint8Array): 'docx' | 'xlsx' | 'pptx' | 'zip' {
  const names = readZipDirectory(bytes)?.map((entry) => entry.name) ?? localEntryNames(bytes);
  if (names.includes('word/document.xml')) return 'docx';
  if (names.includes('xl/workbook.xml')) return 'xlsx';
  if (names.includes('ppt/presentation.xml')) return 'pptx';
  return 'zip';
}

/**
 * Old Office files by their main stream. An encrypted docx, xlsx or pptx is a compound file holding the encrypted
 * zip: only the file's name can still tell which it was.
 */
function compoundFileType(bytes: Uint8Array, fileName: string | undefined): BinaryType | 'unknown' {
  const names = compoundFileEntryNames(bytes);
  if (names.includes('EncryptionInfo') && names.includes('EncryptedPackage'))
    return encryptedOfficeType(fileName);
  if (names.includes('WordDocument')) return 'doc';
  if (names.includes('Workbook') || names.includes('Book')) return 'xls';
  if (names.includes('PowerPoint Document')) return 'ppt';
  return 'unknown';
}

function encryptedOfficeType(fileName: string | undefined): 'docx' | 'xlsx' | 'pptx' | 'office' {
  const extension = fileExtension(fileName);
  if (/^(docx|docm|dotx|dotm)$/.test(extension)) return 'docx';
  if (/^(xlsx|xlsm|xltx|xltm|xlsb)$/.test(extension)) return 'xlsx';
  if (/^(pptx|pptm|ppsx|ppsm|potx)$/.test(extension)) return 'pptx';
  return 'office';
}
