import { isCompoundFile } from '../compound-file';
import type { ExtractedFile } from '../file-types';
import { docxText } from './docx-text';
import { MAX_UNZIPPED_BYTES, OfficeZip, UnzipLimitError } from './office-zip';
import { pptxText } from './pptx-text';
import { TextCollector } from './text-collector';
import { xlsxText } from './xlsx-text';

const READERS = { docx: docxText, xlsx: xlsxText, pptx: pptxText };

/**
 * The text of a docx, xlsx or pptx. Detection names a compound file so only when it holds an encrypted package.
 * A zip that cannot be read or lacks its main part is corrupt; so is one that expands beyond the unzip limit before
 * giving any text (a zip bomb), while text read before the limit is given as cut.
 */
export function extractOfficeText(
  bytes: Uint8Array,
  type: 'docx' | 'xlsx' | 'pptx' | 'office',
  maxChars: number,
  maxUnzippedBytes = MAX_UNZIPPED_BYTES,
): ExtractedFile {
  if (type === 'office' || isCompoundFile(bytes)) return { status: 'encrypted', type };
  const collector = new TextCollector(maxChars);
  try {
    READERS[type](new OfficeZip(bytes, maxUnzippedBytes), collector);
  } catch (error) {
    if (!(error instanceof UnzipLimitError)) return { status: 'corrupt', type };
    collector.markIncomplete();
    const partial = collector.result(type);
    return partial.status === 'text' ? partial : { status: 'corrupt', type };
  }
  return collector.result(type);
}
