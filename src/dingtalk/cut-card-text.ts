/** Size limits of one card's content. */
export interface CardLimits {
  /** UTF-16 code units, i.e. String.length. */
  maxChars: number;
  /** UTF-8 bytes; default unlimited. */
  maxBytes?: number;
}

/** Where a card that has grown too big ends, and how the next one starts. */
export interface CardCut {
  /** The finished card's content: `body.slice(0, consumed)`, plus `close` when the cut falls inside a code block. */
  content: string;
  /** How many characters of `body` the finished card holds (always more than `keep`). */
  consumed: number;
  /** What was appended after `body.slice(0, consumed)`: '' or an optional '\n' and the closing fence line. */
  close: string;
  /** What the next card starts with before the rest of the text: '' or the reopened fence line and '\n'. */
  reopen: string;
}

interface Fence {
  open: string;
  close: string;
  char: string;
  length: number;
}

interface Boundary {
  at: number;
  score: number;
  fence: Fence | undefined;
}

// Any indentation, not CommonMark's 0-3 spaces: models indent fences inside list items.
const FENCE_OPEN = /^(\s*)(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^\s*(`{3,}|~{3,})\s*$/;
const SOFT_BREAK = /[\s。！？；，、.!?;,]/u;
const MAX_INFO_CHARS = 40;

/** Whether `body` fits in one card as it is. */
export function fitsCard(body: string, limits: CardLimits): boolean {
  return body.length <= limits.maxChars && Buffer.byteLength(body) <= (limits.maxBytes ?? Infinity);
}

/**
 * Cuts a card's text that no longer fits: at the last paragraph boundary in the second half of the card, else the
 * last line end there; with no line end in the second half, inside the overflowing line (after a space or
 * punctuation when possible, never inside a surrogate pair). A code block open at the cut is closed at the end of
 * this card and reopened, same info string, in the next, so `body.slice(0, consumed)` followed by the rest of the
 * text is exactly the original. The first `keep` characters (a reopened fence line) never make a card alone.
 */
export function cutCardText(body: string, limits: CardLimits, keep = 0): CardCut {
  const maxBytes = limits.maxBytes ?? Infinity;
  const fits = (content: string) =>
    content.length <= limits.maxChars && Buffer.byteLength(content) <= maxBytes;
  const late: Boundary[] = [];
  let from = keep;
  for (const boundary of listBoundaries(body)) {
    if (boundary.at > limits.maxChars) break;
    const content = body.slice(0, boundary.at) + (boundary.fence?.close ?? '');
    if (boundary.at <= keep || !fits(content)) continue;
    from = boundary.at;
    // "Second half" of whichever limit binds: characters, or bytes for wide text.
    if (content.length * 2 >= limits.maxChars || Buffer.byteLength(content) * 2 >= maxBytes)
      late.push(boundary);
  }
  const top = Math.max(...late.map((boundary) => boundary.score));
  const best = late.findLast((boundary) => boundary.score === top);
  if (best !== undefined) return finishCut(body, best.at, best.fence);
  return cutInsideLine(body, from, fits);
}

/** `text` with a code block left open at its end closed, so that what follows it is not shown as code. */
export function closeOpenFence(text: string): string {
  const fence = scanFences(text.split('\n')).at(-1);
  if (fence === undefined) return text;
  return `${text}${text.endsWith('\n') ? '' : '\n'}${fence.close}`;
}

/**
 * The fence line (with its '\n') that text continuing after `shown` must start with, because `shown` ends inside
 * a code block (the card that showed it closed the block); '' otherwise.
 */
export function reopenFenceAfter(shown: string): string {
  const fence = scanFences(shown.split('\n')).at(-1);
  return fence === undefined ? '' : `${fence.open}\n`;
}

function finishCut(
  body: string,
  consumed: number,
  fence: Fence | undefined,
  close = fence?.close ?? '',
): CardCut {
  return {
    content: body.slice(0, consumed) + close,
    consumed,
    close,
    reopen: fence === undefined ? '' : `${fence.open}\n`,
  };
}

/**
 * Line ends (offsets just after a '\n') with the fence open there and a score: 3 paragraph or block edge, 2 line
 * end, 1 line end inside a code block, 0 right after a fence opened (the card would end with an empty block).
 */
function listBoundaries(body: string): Boundary[] {
  const lines = body.split('\n');
  const fences = scanFences(lines);
  const boundaries: Boundary[] = [];
  let at = 0;
  for (let index = 0; index < lines.length - 1; index++) {
    at += (lines[index] ?? '').length + 1;
    const fence = fences[index + 1];
    let score: number;
    if (fence !== undefined) score = fence === fences[index] ? 1 : 0;
    else {
      const blank = isBlank(lines[index]) || isBlank(lines[index + 1]);
      const edge = fences[index] !== undefined || FENCE_OPEN.test(lines[index + 1] ?? '');
      score = blank || edge ? 3 : 2;
    }
    boundaries.push({ at, score, fence });
  }
  return boundaries;
}

/** fences[k] is the fence still open after the first k lines. */
function scanFences(lines: string[]): Array<Fence | undefined> {
  const fences: Array<Fence | undefined> = [undefined];
  let open: Fence | undefined;
  for (const line of lines) {
    if (open === undefined) {
      const match = FENCE_OPEN.exec(line);
      const [, indent = '', marker = '', info = ''] = match ?? [];
      if (match && !(marker.startsWith('`') && info.includes('`'))) {
        // A very long info string would crowd every continuation card; the language word is enough.
        const kept =
          info.length > MAX_INFO_CHARS ? (info.trim().split(/\s+/)[0] ?? '').slice(0, MAX_INFO_CHARS) : info;
        open = {
          open: indent + marker + kept,
          close: indent + marker,
          char: marker[0] ?? '`',
          length: marker.length,
        };
      }
    } else {
      const marker = FENCE_CLOSE.exec(line)?.[1];
      if (marker !== undefined && marker[0] === open.char && marker.length >= open.length) open = undefined;
    }
    fences.push(open);
  }
  return fences;
}

/** No line end in the card's second half: fill it with as much of the line starting at `from` as fits. */
function cutInsideLine(body: string, from: number, fits: (content: string) => boolean): CardCut {
  const fence = scanFences(body.slice(0, from).split('\n')).at(-1);
  const close = fence === undefined ? '' : `\n${fence.close}`;
  let cut = from;
  let softCut = 0;
  for (const codePoint of body.slice(from)) {
    if (codePoint === '\n') break;
    const next = cut + codePoint.length;
    // Always take one code point, so that even absurd limits make progress.
    if (cut > from && !fits(body.slice(0, next) + close)) break;
    cut = next;
    if (SOFT_BREAK.test(codePoint)) softCut = cut;
  }
  if (softCut > from && (softCut - from) * 2 >= cut - from) cut = softCut;
  return finishCut(body, cut, fence, close);
}

function isBlank(line: string | undefined): boolean {
  return line === undefined || line.trim() === '';
}
