import { fileExtension } from './file-extension';

export type TextType = 'txt' | 'md' | 'csv' | 'json';

const BY_EXTENSION: Record<string, TextType> = {
  txt: 'txt',
  text: 'txt',
  log: 'txt',
  md: 'md',
  markdown: 'md',
  csv: 'csv',
  json: 'json',
};

// Only the start of a long file is looked at for CSV and Markdown.
const SAMPLE_CHARS = 64 * 1024;
const SAMPLE_LINES = 20;

/** Which text kind: the name's extension says, when it has one of these; otherwise the text is sniffed. */
export function sniffTextType(text: string, fileName: string | undefined): TextType {
  const named = BY_EXTENSION[fileExtension(fileName)];
  if (named === 'json') return isJson(text) ? 'json' : 'txt';
  if (named) return named;
  if (/^\s*[[{]/.test(text) && isJson(text)) return 'json';
  const lines = text
    .slice(0, SAMPLE_CHARS)
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .slice(0, SAMPLE_LINES);
  if (isCsv(lines)) return 'csv';
  if (isMarkdown(lines)) return 'md';
  return 'txt';
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** At least two lines, each with the same number (one or more) of commas outside quotes. */
function isCsv(lines: string[]): boolean {
  if (lines.length < 2) return false;
  const commas = lines.map((line) => line.replace(/"[^"]*"/g, '').split(',').length - 1);
  return commas.every((count) => count > 0 && count === commas[0]);
}

const MARKDOWN_LINE = [/^#{1,6}\s+\S/, /^```/, /^\|?\s*:?-{3,}:?\s*\|/, /\[[^\]\n]+\]\([^)\s]+\)/];

/** A heading, a code fence, a table rule or a link: things plain text does not have. */
function isMarkdown(lines: string[]): boolean {
  return lines.some((line) => MARKDOWN_LINE.some((pattern) => pattern.test(line)));
}
