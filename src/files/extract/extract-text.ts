import { sniffFile } from '../detect-file-type';
import type { ExtractedFile } from '../file-types';
import { extractOfficeText } from './office-text';
import { extractPdfText } from './pdf-text';
import { TextCollector } from './text-collector';

/** extractFileText's implementation: the build ships it as a chunk beside the bundle, loaded at the first file. */
export async function extractText(
  bytes: Uint8Array,
  options: { fileName?: string | undefined; maxChars: number },
): Promise<ExtractedFile> {
  const file = sniffFile(bytes, options.fileName);
  if ('text' in file) {
    const collector = new TextCollector(options.maxChars);
    collector.add(file.text.replace(/\r\n?/g, '\n'));
    return collector.result(file.type);
  }
  switch (file.type) {
    case 'pdf':
      return extractPdfText(bytes, options.maxChars);
    case 'docx':
    case 'xlsx':
    case 'pptx':
    case 'office':
      return extractOfficeText(bytes, file.type, options.maxChars);
    default:
      return { status: 'unsupported', type: file.type };
  }
}
