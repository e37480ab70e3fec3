/** A chat text classified: a backslash command, or a question for the model. */
export type ParsedText =
  | { kind: 'clear' }
  | { kind: 'unknown-command'; word: string }
  | { kind: 'empty' }
  | { kind: 'question'; text: string };

// A single backslash word is a command, as in the old connector (\clear). Chinese keyboards type the full-width
// backslash in IME mode, so it counts too. Anything longer ("\n means newline?") is a question.
const COMMAND_PATTERN = /^[\\＼]([A-Za-z][\w-]*)$/;

/** Classifies a message text; surrounding spaces (group texts start with one) are ignored. */
export function parseCommand(text: string): ParsedText {
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'empty' };
  const match = COMMAND_PATTERN.exec(trimmed);
  if (!match) return { kind: 'question', text: trimmed };
  const word = (match[1] ?? '').toLowerCase();
  return word === 'clear' ? { kind: 'clear' } : { kind: 'unknown-command', word };
}
