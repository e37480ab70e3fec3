/**
 * Markdown that is still being written (an AI card while the model streams into it) often ends inside an
 * emphasis or a code span: `这是**重要`. Rendered as it is, the page would show the raw `**` until the closing
 * marker arrives. settleStreamingMarkdown closes what the last line left open (and drops a marker that is only
 * half typed), so the partial text renders the way the finished text will. No DOM use: unit tests import it.
 */

const FENCE = /^\s*(`{3,}|~{3,})/;
// Emphasis markers in the order they are tried at one position: the longer one first.
const MARKERS = ['**', '~~', '*'];

/** The text with the inline markers its last line leaves open closed; text inside an open code fence as it is. */
export function settleStreamingMarkdown(markdown) {
  const text = String(markdown ?? '');
  if (endsInsideFence(text)) return text;
  const lineStart = text.lastIndexOf('\n') + 1;
  return text.slice(0, lineStart) + settleLine(text.slice(lineStart));
}

function endsInsideFence(text) {
  let open = null;
  for (const line of text.split('\n')) {
    const fence = FENCE.exec(line);
    if (!fence) continue;
    const marker = fence[1];
    if (open === null) open = marker;
    else if (marker[0] === open[0] && marker.length >= open.length && /^\s*[`~]+\s*$/.test(line)) open = null;
  }
  return open !== null;
}

function settleLine(line) {
  // A trailing run of markers may be half of `**` or of a closing marker: drop it, then close what is open.
  const body = line.replace(/[*~`]+$/, '');
  const open = [];
  let index = 0;
  while (index < body.length) {
    if (body[index] === '`') {
      const run = /^`+/.exec(body.slice(index))[0];
      const close = body.indexOf(run, index + run.length);
      // An open code span runs to the end of the line: close it, nothing after it is a marker.
      if (close === -1) return `${body}${run}${closers(open)}`;
      index = close + run.length;
      continue;
    }
    const marker = MARKERS.find((candidate) => body.startsWith(candidate, index));
    if (marker === undefined) {
      index += 1;
      continue;
    }
    if (open.at(-1) === marker) open.pop();
    else if (/\S/.test(body[index + marker.length] ?? '')) open.push(marker);
    index += marker.length;
  }
  return open.length === 0 ? body : `${body.trimEnd()}${closers(open)}`;
}

function closers(open) {
  return [...open].reverse().join('');
}
