import type { ExtractedFile } from './file-types';

export { detectFileType } from './detect-file-type';
export type { ExtractedFile, FileType } from './file-types';

/**
 * The text of a file, cut to maxChars, or why there is none. The type comes from the bytes; `fileName` (which
 * may lack an extension) only picks among the text kinds. The extractors and their libraries (pdf.js, fflate)
 * load at the first call: the build ships them as chunks beside the bundle, so the entry file and cold start do
 * not carry them.
 */
export async function extractFileText(
  bytes: Uint8Array,
  options: { fileName?: string | undefined; maxChars: number },
): Promise<ExtractedFile> {
  const { extractText } = await import('./extract/extract-text');
  return extractText(bytes, options);
}
