const OPEN = '<think>';
const CLOSE = '</think>';

/**
 * Hides a leading <think>…</think> block (DeepSeek-R1, QwQ and other reasoning models) from streamed text, so
 * the reasoning never reaches DingTalk as part of the answer. Feed it deltas; it returns the visible text so far.
 */
export function createThinkFilter(): { push(delta: string): string; readonly visible: string } {
  let raw = '';
  let state: 'undecided' | 'thinking' | 'answer' = 'undecided';
  // A field, not a getter: an object literal with a getter outlives young GCs (see http1-response-parser).
  const filter = {
    visible: '',
    push(delta: string): string {
      raw += delta;
      if (state === 'undecided') {
        const start = raw.trimStart();
        if (start.startsWith(OPEN)) state = 'thinking';
        else if (start.length >= OPEN.length || !OPEN.startsWith(start)) state = 'answer';
      }
      if (state === 'thinking') {
        const end = raw.indexOf(CLOSE);
        if (end !== -1) {
          state = 'answer';
          raw = raw.slice(end + CLOSE.length).trimStart();
        }
      }
      if (state === 'answer') filter.visible = raw.trimStart();
      return filter.visible;
    },
  };
  return filter;
}
