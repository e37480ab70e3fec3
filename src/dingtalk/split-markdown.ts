/** Open code fence: the line that opened it and the line that closes it. */
interface Fence {
  reopen: string;
  close: string;
  char: string;
  length: number;
}

interface Limits {
  maxChars: number;
  maxBytes: number;
}

// DingTalk downgrades markdown longer than ~3 500 characters to plain text (dingtalk.md §6).
const DEFAULT_MAX_CHARS = 3500;
// The webhook rejects bodies over 20 000 bytes (errcode 460101); leave room for the JSON envelope.
const DEFAULT_MAX_BYTES = 19_000;
const MIN_MAX_CHARS = 64;
const MIN_MAX_BYTES = 256;
// Any indentation, not CommonMark's 0-3 spaces: models indent fences inside list items, and a split must
// still close and reopen them.
const FENCE_OPEN = /^(\s*)(`{3,}|~{3,})(.*)$/;
const SOFT_BREAK = /[\s。！？；，、.!?;,]/u;

/** UTF-8 bytes `text` occupies inside a JSON string (escapes included), which is what the body limit counts. */
export function measureJsonBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
}

/**
 * Splits markdown into parts that each fit one DingTalk message: at blank lines, else line ends, else hard
 * (never inside a surrogate pair); a split inside a code fence closes it and reopens it in the next part.
 */
export function splitMarkdown(
  text: string,
  options: { maxChars?: number; maxBytes?: number } = {},
): string[] {
  const limits = {
    maxChars: options.maxChars ?? DEFAULT_MAX_CHARS,
    maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
  };
  if (limits.maxChars < MIN_MAX_CHARS || limits.maxBytes < MIN_MAX_BYTES) {
    throw new RangeError(
      `splitMarkdown limits too small (min ${MIN_MAX_CHARS} chars, ${MIN_MAX_BYTES} bytes)`,
    );
  }
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const fences = scanFences(lines);
  const parts: string[] = [];
  let start = 0;
  while (start < lines.length) {
    while (start < lines.length && fences[start] === undefined && isBlank(lines[start])) start++;
    if (start === lines.length) break;
    const { end, overflow } = chooseEnd(lines, fences, start, limits);
    if (end > start) {
      let last = end;
      while (last > start && fences[last - 1] === undefined && isBlank(lines[last - 1])) last--;
      parts.push(wrap(lines.slice(start, last), fences[start], fences[end]));
      start = end;
      continue;
    }
    // No line boundary fits: fill the part with as much of the overflowing line as fits.
    const fence = fences[overflow];
    const before = lines.slice(start, overflow);
    const { head, rest } = cutLine(
      lines[overflow] ?? '',
      limits,
      wrap([...before, ''], fences[start], fence),
    );
    parts.push(wrap([...before, head], fences[start], fence));
    // Leading spaces outside a fence would turn the continuation into an indented code block.
    const next = fence === undefined ? rest.trimStart() : rest;
    if (next === '') {
      start = overflow + 1;
    } else {
      lines[overflow] = next;
      start = overflow;
    }
  }
  return parts;
}

/** fences[k] is the fence still open before line k (k = lines.length: after the last line). */
function scanFences(lines: string[]): Array<Fence | undefined> {
  const fences: Array<Fence | undefined> = [undefined];
  let open: Fence | undefined;
  for (const line of lines) {
    const match = FENCE_OPEN.exec(line);
    if (open === undefined && match) {
      const [, indent = '', marker = '', info = ''] = match;
      if (!(marker.startsWith('`') && info.includes('`'))) {
        // A very long info string would not fit in every continuation part; the language word is enough.
        const kept = info.length > 40 ? (info.trim().split(/\s+/)[0] ?? '').slice(0, 40) : info;
        open = {
          reopen: indent + marker + kept,
          close: indent + marker,
          char: marker[0] ?? '`',
          length: marker.length,
        };
      }
    } else if (open !== undefined && isClosing(line, open)) {
      open = undefined;
    }
    fences.push(open);
  }
  return fences;
}

function isClosing(line: string, fence: Fence): boolean {
  const match = /^\s*(`{3,}|~{3,})\s*$/.exec(line);
  return match?.[1] !== undefined && match[1][0] === fence.char && match[1].length >= fence.length;
}

function isBlank(line: string | undefined): boolean {
  return line === undefined || line.trim() === '';
}

function wrap(body: string[], openBefore: Fence | undefined, openAfter: Fence | undefined): string {
  const lines = openBefore === undefined ? [...body] : [openBefore.reopen, ...body];
  if (openAfter !== undefined) lines.push(openAfter.close);
  return lines.join('\n');
}

/**
 * The best line boundary to end a part that starts at `start` (`start` itself when none fits), and the first
 * line that did not fit.
 */
function chooseEnd(
  lines: string[],
  fences: Array<Fence | undefined>,
  start: number,
  limits: Limits,
): { end: number; overflow: number } {
  let best = start;
  let bestScore = -1;
  let chars = fences[start]?.reopen.length ?? -1;
  let bytes = fences[start] === undefined ? -2 : measureJsonBytes(fences[start]?.reopen ?? '');
  for (let end = start + 1; end <= lines.length; end++) {
    const line = lines[end - 1] ?? '';
    chars += line.length + 1;
    bytes += measureJsonBytes(line) + 2;
    if (chars > limits.maxChars || bytes > limits.maxBytes) return { end: best, overflow: end - 1 };
    const closing = fences[end];
    const closeChars = closing === undefined ? 0 : closing.close.length + 1;
    const closeBytes = closing === undefined ? 0 : measureJsonBytes(closing.close) + 2;
    if (chars + closeChars > limits.maxChars || bytes + closeBytes > limits.maxBytes) continue;
    if (end === lines.length) return { end, overflow: end };
    const score = scoreBoundary(lines, fences, end);
    if (score >= 0 && score >= bestScore) {
      best = end;
      bestScore = score;
    }
  }
  return { end: best, overflow: lines.length - 1 };
}

/**
 * 3: paragraph or block edge, 2: line end outside a fence, 1: line end inside a fence or after a heading, 0: the next part would
 * start with the closing fence, -1: never (the part would end with an empty code block).
 */
function scoreBoundary(lines: string[], fences: Array<Fence | undefined>, end: number): number {
  const open = fences[end];
  if (open !== undefined) {
    if (open !== fences[end - 1]) return -1;
    return fences[end + 1] === open ? 1 : 0;
  }
  // A heading belongs with the text below it, not at the end of a part.
  let previous = end - 1;
  while (previous > 0 && isBlank(lines[previous])) previous--;
  if (/^\s{0,3}#{1,6}\s/.test(lines[previous] ?? '')) return 1;
  const closedFence = fences[end - 1] !== undefined;
  const opensFence = fences[end + 1] !== undefined;
  return isBlank(lines[end - 1]) || isBlank(lines[end]) || closedFence || opensFence ? 3 : 2;
}

/** Cuts the longest head of `line` that fits after `used`, preferring to cut after a space or punctuation. */
function cutLine(line: string, limits: Limits, used: string): { head: string; rest: string } {
  let chars = used.length;
  let bytes = measureJsonBytes(used);
  let cut = 0;
  let softCut = 0;
  for (const codePoint of line) {
    const nextChars = chars + codePoint.length;
    const nextBytes = bytes + measureJsonBytes(codePoint);
    // Always take one code point so that even absurd limits make progress.
    if (cut > 0 && (nextChars > limits.maxChars || nextBytes > limits.maxBytes)) break;
    chars = nextChars;
    bytes = nextBytes;
    cut += codePoint.length;
    if (SOFT_BREAK.test(codePoint)) softCut = cut;
  }
  if (cut < line.length && softCut > 0 && softCut * 2 >= cut) cut = softCut;
  return { head: line.slice(0, cut), rest: line.slice(cut) };
}
