import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type Pdfjs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

/**
 * pdf.js, loaded at the first PDF. Its worker module is registered on globalThis first, so pdf.js runs the
 * "worker" in this thread: no worker thread, and no file to find at run time.
 */
export async function loadPdfjs(): Promise<Pdfjs> {
  globalThis.pdfjsWorker ??= await import('pdfjs-dist/legacy/build/pdf.worker.mjs');
  return import('pdfjs-dist/legacy/build/pdf.mjs');
}

/**
 * The character maps that fonts with a predefined CJK encoding (not embedded, e.g. STSong-Light with UniGB-UCS2-H)
 * need: the build ships them beside the bundle as pdf-cmaps/; unbundled, they are read from the package.
 */
export function cMapDirectory(): string {
  const shipped = join(__dirname, 'pdf-cmaps');
  if (existsSync(shipped)) return `${shipped}/`;
  return `${join(dirname(createRequire(__filename).resolve('pdfjs-dist/package.json')), 'cmaps')}/`;
}
