/** A file the connector put into a question: `[文件] name（TYPE，N 字）`, then its text between two markers. */
export interface FileBlock {
  name: string;
  type: string;
  /** The whole file's length; for a file that was cut, the length of the part kept. */
  chars: number;
  truncated: boolean;
  text: string;
  /** What was asked about the file (the text after its end marker). */
  ask: string;
}

const HEADER = /^\[文件\] (.+)（([A-Z0-9]+)，(?:(\d+) 字|较长，只保留了前 (\d+) 字)）$/m;
const BODY = /^<<<文件内容 ([0-9a-f]+)>>>\n([\s\S]*?)\n<<<文件结束 \1>>>$/m;
const FIRST_LINES = 3;
const LINE_CHARS = 80;
const FOUND_LINES = 3;

/** The file a user message carries, or undefined. */
export function readFileBlock(content: string): FileBlock | undefined {
  const header = HEADER.exec(content);
  const body = BODY.exec(content);
  if (!header || !body || body.index < header.index) return undefined;
  return {
    name: header[1] ?? '',
    type: header[2] ?? '',
    chars: Number(header[3] ?? header[4]),
    truncated: header[4] !== undefined,
    text: body[2] ?? '',
    ask: content.slice(body.index + body[0].length).trim(),
  };
}

/** What the demo model says about a file it was sent: its type and length, and its first lines. */
export function describeFile(file: FileBlock): string {
  const size = file.truncated ? `较长，收到了前 ${file.chars} 字` : `${file.chars} 字`;
  const first = lines(file.text).slice(0, FIRST_LINES);
  return [
    `**离线演示模型**收到了文件「${file.name}」：${file.type}，${size}。开头几行：`,
    first.length > 0 ? quoteLines(first) : '（文件开头是空白）',
  ].join('\n\n');
}

/** Lines of the file that share words with the question (up to three, best first, in the file's order). */
export function findInFile(file: FileBlock, question: string): string[] {
  const words = wordsOf(question);
  if (words.size === 0) return [];
  const scored = lines(file.text).map((line, index) => {
    const lineWords = wordsOf(line);
    return { line, index, score: [...words].filter((word) => lineWords.has(word)).length };
  });
  const best = Math.max(0, ...scored.map((item) => item.score));
  if (best === 0) return [];
  return scored
    .filter((item) => item.score * 2 >= best)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, FOUND_LINES)
    .sort((a, b) => a.index - b.index)
    .map((item) => item.line);
}

/** The answer to a question about a file (`earlier`: one sent before): the lines that match, or that none does. */
export function answerFromFile(file: FileBlock, question: string, earlier: boolean): string {
  const found = findInFile(file, question);
  const where = earlier ? `在你之前发的文件「${file.name}」里` : '在文件里';
  return found.length > 0
    ? `${where}找到了相关的内容：\n\n${quoteLines(found)}`
    : `${where}没有找到和这个问题相关的行。`;
}

/** A block quote of lines, each cut to a readable length. */
export function quoteLines(items: string[]): string {
  return items
    .map((line) => {
      const chars = Array.from(line);
      return `> ${chars.length > LINE_CHARS ? `${chars.slice(0, LINE_CHARS).join('')}…` : line}`;
    })
    .join('\n');
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/\t/g, ' ').trim())
    .filter((line) => line !== '' && !/^#+ /.test(line));
}

/** Latin words and numbers (lower case), and each pair of neighbouring Chinese characters. */
function wordsOf(text: string): Set<string> {
  const words = new Set<string>();
  for (const word of text.toLowerCase().match(/[a-z0-9][a-z0-9.%]*/g) ?? []) {
    if (word.length >= 2) words.add(word.replace(/[.%]+$/, ''));
  }
  for (const run of text.match(/\p{Script=Han}+/gu) ?? []) {
    const chars = Array.from(run);
    for (let i = 0; i + 1 < chars.length; i += 1) words.add(`${chars[i]}${chars[i + 1]}`);
  }
  return words;
}
