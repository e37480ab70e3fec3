import type { ChatMode } from '../ports';
import type { PromptTemplate } from './prompt-templates';

/** A chat text classified: one of the robot's commands, or a question for the model. */
export type ParsedText =
  | { kind: 'help' }
  | { kind: 'mode'; mode: ChatMode }
  | { kind: 'reset' }
  | { kind: 'clear' }
  | { kind: 'templates' }
  | { kind: 'template'; template: PromptTemplate; content: string }
  | { kind: 'template-usage'; template: PromptTemplate }
  | { kind: 'whoami' }
  | { kind: 'quota' }
  | { kind: 'stats' }
  | { kind: 'history-lookup'; who: string }
  | { kind: 'image'; prompt: string }
  | { kind: 'unknown-command'; word: string }
  | { kind: 'question'; text: string };

// Exact words, as chatgpt-dingtalk users type them; Latin words in any case.
const EXACT: Readonly<Record<string, ParsedText>> = {
  帮助: { kind: 'help' },
  help: { kind: 'help' },
  单聊: { kind: 'mode', mode: 'single' },
  串聊: { kind: 'mode', mode: 'chain' },
  重置: { kind: 'reset' },
  模板: { kind: 'templates' },
  whoami: { kind: 'whoami' },
  群id: { kind: 'whoami' },
  额度: { kind: 'quota' },
  '#统计': { kind: 'stats' },
};

// `#查对话 <staffId|昵称>` and `#图片 <描述>` take an argument; they win over a template of the same title.
const ARGUMENT_COMMANDS: ReadonlyArray<[string, (argument: string) => ParsedText]> = [
  ['#查对话', (who) => ({ kind: 'history-lookup', who })],
  ['#图片', (prompt) => ({ kind: 'image', prompt })],
];

// A single backslash word is a command, as in the old connector (\clear). Chinese keyboards type the full-width
// backslash in IME mode, so it counts too. Anything longer ("\n means newline?") is a question.
const BACKSLASH_COMMAND = /^[\\＼]([A-Za-z][\w-]*)$/;

/** Classifies a message text; surrounding spaces (group texts start with one) are ignored. */
export function parseCommand(text: string, templates: readonly PromptTemplate[] = []): ParsedText {
  const trimmed = text.trim();
  // An @-mention with nothing else arrives as an empty text: show what the robot can do.
  if (trimmed === '') return { kind: 'help' };
  const exact = EXACT[trimmed.toLowerCase()];
  if (exact) return exact;
  const backslash = BACKSLASH_COMMAND.exec(trimmed);
  if (backslash) {
    const word = (backslash[1] ?? '').toLowerCase();
    return word === 'clear' ? { kind: 'clear' } : { kind: 'unknown-command', word };
  }
  for (const [title, build] of ARGUMENT_COMMANDS) {
    if (trimmed.startsWith(title)) return build(trimmed.slice(title.length).trim());
  }
  const template = findTemplate(trimmed, templates);
  if (template) {
    const content = trimmed.slice(template.title.length).trim();
    return content ? { kind: 'template', template, content } : { kind: 'template-usage', template };
  }
  return { kind: 'question', text: trimmed };
}

/** The template whose title starts the text (case-insensitive); the longest title wins (#翻译 vs #翻译腔). */
function findTemplate(text: string, templates: readonly PromptTemplate[]): PromptTemplate | undefined {
  if (!text.startsWith('#')) return undefined;
  const lower = text.toLowerCase();
  let best: PromptTemplate | undefined;
  for (const template of templates) {
    if (lower.startsWith(template.title.toLowerCase()) && template.title.length > (best?.title.length ?? 0)) {
      best = template;
    }
  }
  return best;
}
