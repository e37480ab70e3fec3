import { describeError } from '../describe-error';
import { extendFold, type FoldedText } from '../moderation/fold-text';
import {
  findMatches,
  foldWords,
  type Match,
  maskGraphemes,
  maskSensitiveWords,
} from '../moderation/sensitive-words';
import type { Logger } from '../ports';
import type { ContentModeration } from './policy-deps';

/** What of an answer the user may see: while it streams, and once it is complete. */
export interface AnswerGate {
  /** The part of a growing answer that may be shown now (masked), or undefined to show nothing yet. */
  stream(text: string): string | undefined;
  /** The complete answer as it may be posted and stored; `blocked` when moderation replaced it with a notice. */
  release(text: string): Promise<{ text: string; blocked: boolean }>;
}

const NOTICES = {
  flagged: '🚫 抱歉，这个回答未通过内容安全审核，已被隐藏。',
  moderationDown: '抱歉，内容安全审核服务暂时不可用，回答无法发出，请稍后再试。',
} as const;

/**
 * Masks SENSITIVE_WORDS everywhere and runs content moderation on complete answers. With moderation on,
 * nothing streams: an answer must pass before anyone sees any of it.
 */
export function createAnswerGate(options: {
  sensitiveWords: readonly string[];
  moderation?: ContentModeration | undefined;
  failClosed: boolean;
  log: Logger;
}): AnswerGate {
  const { sensitiveWords, moderation, log } = options;
  const streamMasked = createStreamMask(sensitiveWords);
  return {
    stream(text) {
      return moderation ? undefined : streamMasked(text);
    },
    async release(text) {
      const masked = sensitiveWords.length === 0 ? text : maskSensitiveWords(text, sensitiveWords);
      if (!moderation) return { text: masked, blocked: false };
      try {
        const risk = await moderation.check('answer', text);
        if (risk === 'high' || risk === 'medium') {
          log.info({ risk }, 'answer replaced: moderation');
          return { text: NOTICES.flagged, blocked: true };
        }
      } catch (error) {
        log.warn(
          { error: describeError(error), failClosed: options.failClosed },
          'moderation unavailable for the answer',
        );
        if (options.failClosed) return { text: NOTICES.moderationDown, blocked: true };
      }
      return { text: masked, blocked: false };
    },
  };
}

/**
 * Masks a growing answer for a streamed card, which can only grow: what it shows must never need masking
 * later, so a tail that could be the start of a word waits until the word is complete (and masked) or ruled
 * out. Each call folds only what was added and matches only from where a match may still begin.
 */
function createStreamMask(words: readonly string[]): (text: string) => string {
  const needles = foldWords(words);
  if (needles.length === 0) return (text) => text;
  const starts = new Set(needles.flatMap((needle) => properPrefixes(needle)));
  const longest = Math.max(0, ...[...starts].map((start) => start.length));
  let state = streamStart();
  return (whole) => {
    // Half a surrogate pair is not a character yet: with its other half it may join the grapheme before it.
    const text = /[\ud800-\udbff]$/.test(whole) ? whole.slice(0, -1) : whole;
    // Not a continuation (another endpoint answering after a failure): start again.
    if (!text.startsWith(state.source)) state = streamStart();
    const { fold, resume } = state;
    extendFold(fold, text);
    const matches = findMatches(fold, needles, resume);
    const held = firstHeldBack(fold, starts, longest);
    const next = resumePoint(matches, held);
    const settled = state.settled + maskGraphemes(text, fold, matches, resume, next);
    state = { source: text, fold, resume: next, settled };
    return settled + maskGraphemes(text, fold, matches, next, held);
  };
}

/**
 * A stream's state: the text so far and its fold, and the masked text of its graphemes before `resume`, which
 * no later match can change.
 */
interface StreamState {
  source: string;
  fold: FoldedText;
  resume: number;
  settled: string;
}

function streamStart(): StreamState {
  return { source: '', fold: { folded: '', graphemes: [], owner: [] }, resume: 0, settled: '' };
}

function properPrefixes(word: string): string[] {
  return Array.from({ length: word.length - 1 }, (_, index) => word.slice(0, index + 1));
}

/**
 * The first grapheme to hold back: the one starting the longest folded tail that a word could begin with
 * ("b", "b.a", "ｂａ", "b\u200ba" for "badword"), else the last one, which a combining mark or joiner may still
 * extend. Separators before that tail fold to nothing and are not held.
 */
function firstHeldBack(
  { folded, graphemes, owner }: FoldedText,
  starts: ReadonlySet<string>,
  longest: number,
): number {
  for (let at = Math.max(0, folded.length - longest); at < folded.length; at++) {
    if (starts.has(folded.slice(at))) return owner[at] ?? 0;
  }
  return Math.max(0, graphemes.length - 1);
}

/**
 * Where the next call starts matching: at the held-back tail, or earlier, at the first match that reaches
 * into it, so that every match before that point is complete (and masked) and no later one reaches back
 * across it.
 */
function resumePoint(matches: readonly Match[], held: number): number {
  return matches.reduce((resume, { first, last }) => (last >= held ? Math.min(resume, first) : resume), held);
}
