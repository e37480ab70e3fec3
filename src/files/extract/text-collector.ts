import type { ExtractedFile, FileType } from '../file-types';

/**
 * Gathers extracted text up to maxChars and counts all of it, so an extractor can stream pieces in without holding
 * more than it may return, and stop reading once `full`.
 */
export class TextCollector {
  readonly #maxChars: number;
  #kept: string[] = [];
  #keptChars = 0;
  #chars = 0;
  #incomplete = false;

  constructor(maxChars: number) {
    this.#maxChars = maxChars;
  }

  /** More than maxChars have been added: nothing more will be kept. */
  get full(): boolean {
    return this.#chars > this.#maxChars;
  }

  /** Adds `text`, preceded by `separator` unless it is the first text. Empty text adds nothing. */
  add(text: string, separator = ''): void {
    if (text === '') return;
    const piece = this.#chars > 0 ? separator + text : text;
    this.#chars += piece.length;
    const room = this.#maxChars - this.#keptChars;
    if (room <= 0) return;
    const kept = piece.length <= room ? piece : cutAt(piece, room);
    this.#kept.push(kept);
    this.#keptChars += kept.length;
  }

  /** The reader stopped before the end for another reason than maxChars (a PDF's page limit). */
  markIncomplete(): void {
    this.#incomplete = true;
  }

  result(type: FileType): ExtractedFile {
    const text = this.#kept.join('');
    if (text.trim() === '') return { status: 'no-text', type };
    return { status: 'text', type, text, truncated: this.full || this.#incomplete, chars: this.#chars };
  }
}

// A cut between the two halves of a surrogate pair would leave half a character.
function cutAt(text: string, length: number): string {
  const last = text.charCodeAt(length - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? length - 1 : length);
}
