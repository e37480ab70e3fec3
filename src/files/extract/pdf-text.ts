import type { PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { ExtractedFile } from '../file-types';
import { cMapDirectory, loadPdfjs } from './load-pdfjs';
import { TextCollector } from './text-collector';

// Beyond this many pages a PDF is read no further, text or not: reading is bounded even for scans.
export const MAX_PDF_PAGES = 1000;

// Text only: no fonts turned into code or loaded into a DOM, no system fonts, nothing printed.
const OPTIONS = {
  isEvalSupported: false,
  useSystemFonts: false,
  disableFontFace: true,
  isOffscreenCanvasSupported: false,
  isImageDecoderSupported: false,
  useWorkerFetch: false,
  stopAtErrors: false,
  cMapPacked: true,
  verbosity: 0,
};

/**
 * The text of a PDF, a line for each line pdf.js reports and a blank line between pages, read until maxChars is
 * passed. A password-protected PDF is encrypted; one whose pages have no text (a scan) has no text.
 */
export async function extractPdfText(bytes: Uint8Array, maxChars: number): Promise<ExtractedFile> {
  const pdfjs = await loadPdfjs();
  // pdf.js takes over the buffer it is given (and refuses a Buffer), so it gets a copy of the caller's bytes.
  const task = pdfjs.getDocument({ ...OPTIONS, data: new Uint8Array(bytes), cMapUrl: cMapDirectory() });
  try {
    return await readPages(await task.promise, maxChars);
  } catch (error) {
    return { status: isPasswordError(error) ? 'encrypted' : 'corrupt', type: 'pdf' };
  } finally {
    await task.destroy();
  }
}

async function readPages(document: PDFDocumentProxy, maxChars: number): Promise<ExtractedFile> {
  const collector = new TextCollector(maxChars);
  const pages = Math.min(document.numPages, MAX_PDF_PAGES);
  let unreadable = 0;
  for (let number = 1; number <= pages && !collector.full; number += 1) {
    try {
      const page = await document.getPage(number);
      collector.add(pageText(await page.getTextContent()), '\n\n');
      page.cleanup();
    } catch {
      unreadable += 1;
    }
  }
  if (document.numPages > MAX_PDF_PAGES && !collector.full) collector.markIncomplete();
  if (pages > 0 && unreadable === pages) return { status: 'corrupt', type: 'pdf' };
  return collector.result('pdf');
}

function pageText(content: Awaited<ReturnType<PDFPageProxy['getTextContent']>>): string {
  let text = '';
  for (const item of content.items) {
    if ('str' in item) text += item.hasEOL ? `${item.str}\n` : item.str;
  }
  return text.trim();
}

// pdf.js rebuilds the worker's exceptions on this side; their name is what identifies them.
function isPasswordError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'name' in error && error.name === 'PasswordException';
}
