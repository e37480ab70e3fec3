import { Inflate } from 'fflate';
import { entryDataOffset, readZipDirectory, type ZipEntry } from '../zip-directory';

// What one file may expand to in all: a small zip can inflate to gigabytes (a "zip bomb").
export const MAX_UNZIPPED_BYTES = 100 * 1024 * 1024;
// Compressed bytes inflated in one step: deflate expands about 1032 times at most, so a step yields at most ~16 MB.
const STEP_BYTES = 16 * 1024;

/** The zip expands beyond MAX_UNZIPPED_BYTES: what was read before it still stands. */
export class UnzipLimitError extends Error {
  constructor() {
    super('the zip expands beyond the limit');
    this.name = 'UnzipLimitError';
  }
}

/**
 * The parts of an Office file (a zip), unzipped as asked for, within MAX_UNZIPPED_BYTES in all: what a part really
 * inflates to counts, whatever size it claims. Throws when the zip cannot be read or would expand beyond that.
 */
export class OfficeZip {
  readonly #bytes: Uint8Array;
  readonly #entries: Map<string, ZipEntry>;
  readonly #maxBytes: number;
  #unzipped = 0;

  constructor(bytes: Uint8Array, maxBytes = MAX_UNZIPPED_BYTES) {
    const entries = readZipDirectory(bytes);
    if (!entries) throw new Error('the zip has no readable central directory');
    this.#bytes = bytes;
    this.#entries = new Map(entries.map((entry) => [entry.name, entry]));
    this.#maxBytes = maxBytes;
  }

  /** A whole part as text (Office parts are UTF-8), refused at once if its claimed size does not fit the limit. */
  text(name: string): string | undefined {
    const entry = this.#entries.get(name);
    if (!entry) return undefined;
    if (this.#unzipped + entry.size > this.#maxBytes) throw new UnzipLimitError();
    return [...this.textChunks(name)].join('');
  }

  /** A part as text in pieces as it inflates, so that a reader can stop early (nothing if there is no such part). */
  *textChunks(name: string): Generator<string> {
    const entry = this.#entries.get(name);
    if (!entry) return;
    const start = entryDataOffset(this.#bytes, entry);
    if (start === undefined) throw new Error('a part is not where the directory says');
    const decoder = new TextDecoder();
    for (const chunk of inflate(entry.method, this.#bytes.subarray(start, start + entry.compressedSize))) {
      this.#unzipped += chunk.length;
      if (this.#unzipped > this.#maxBytes) throw new UnzipLimitError();
      yield decoder.decode(chunk, { stream: true });
    }
    yield decoder.decode();
  }
}

function* inflate(method: number, data: Uint8Array): Generator<Uint8Array> {
  if (method === 0) {
    yield data;
    return;
  }
  if (method !== 8) throw new Error(`compression method ${method}`);
  const inflated: Uint8Array[] = [];
  const inflater = new Inflate((chunk) => inflated.push(chunk));
  for (let at = 0; at < data.length; at += STEP_BYTES) {
    inflater.push(data.subarray(at, at + STEP_BYTES), at + STEP_BYTES >= data.length);
    yield* inflated.splice(0);
  }
}
