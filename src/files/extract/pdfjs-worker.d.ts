// pdf.js ships no types for its worker module; it is only handed back to pdf.js through globalThis.pdfjsWorker.
declare module 'pdfjs-dist/legacy/build/pdf.worker.mjs' {
  export const WorkerMessageHandler: unknown;
}

declare var pdfjsWorker: unknown;
