import { CODE_SAMPLES } from './demo-code-samples';
import { answerFromFile, describeFile, quoteLines, readFileBlock } from './demo-files';
import type { DemoLanguage } from './demo-intents';
import { demoIntents } from './demo-intents';
import type { DemoImage } from './demo-pictures';
import { describePictures } from './demo-pictures';

/** The offline demo model's name, as the chat API reports it. */
export const DEMO_MODEL = 'offline-demo';

/** The offline demo's image model for #图片. */
export const DEMO_IMAGE_MODEL = 'offline-demo-image';

/** How to leave the demo: shown in the page, the log and every demo answer. */
export const DEMO_HINT =
  '这是离线演示模型的固定回答。在 .env 中设置 OPENAI_API_KEY、OPENAI_BASE_URL、OPENAI_MODEL 即可接入真实模型（OpenAI、通义千问、DeepSeek、Ollama 等，见 README）。';

/** The demo answer quotes at most this much of the question. */
const QUOTE_CHARS = 200;

interface Message {
  role: string;
  content: string;
  /** Pictures the message carried, decoded from their data: URLs by the chat API stand-in. */
  images?: readonly DemoImage[];
}

// How prepare-question marks a quoted message: this line, the quotation as "> " lines, then an empty line.
const QUOTED = /^引用的消息：\n((?:> .*(?:\n|$))+)\n?/;

/**
 * A deterministic stand-in for a language model, so the playground works with no network and no key. It answers
 * through the same OpenAI-compatible HTTP interface a real model uses, and shows off what the connector does:
 * markdown, code blocks, tables, long answers split into parts, the history that came with the request, and the
 * pictures, files and quotes a message brought (what it received, and lines of an earlier file that answer a
 * follow-up question). It reads what a question asks for (code in a language, a table, a long answer), not exact
 * words.
 */
export function demoAnswer(messages: readonly Message[]): string {
  const users = messages.filter((m) => m.role === 'user');
  const last = users.at(-1);
  const content = last?.content.trim() ?? '';
  const quoted = QUOTED.exec(content);
  const rest = quoted ? content.slice(quoted[0].length).trim() : content;
  const file = readFileBlock(rest);
  const question = file ? file.ask : rest;
  const earlierTurns = messages.filter((m) => m.role === 'assistant').length;
  const parts: string[] = [];
  if (last?.images?.length) {
    parts.push(describePictures(last.images));
    if (question) parts.push(`图片附带的文字：「${quote(question)}」`);
  } else if (file) {
    parts.push(describeFile(file));
    // The summary the connector asks for a lone file is what the first lines show; a real question gets a search.
    parts.push(
      SUMMARY_WORDS.test(question)
        ? '可以继续就这个文件提问（例如问其中的数字、日期或负责人），演示模型会在文件里找出相关的行。'
        : `关于你的问题「${quote(question)}」：${answerFromFile(file, question, false)}`,
    );
  } else {
    parts.push(`**离线演示模型**收到了你的问题：「${quote(question)}」`);
    const earlierFile = users
      .slice(0, -1)
      .reverse()
      .map((m) => readFileBlock(m.content))
      .find((block) => block !== undefined);
    if (earlierFile) parts.push(answerFromFile(earlierFile, question, true));
  }
  if (quoted) parts.push(`你引用了一条消息：\n\n${quotedLines(quoted[1] ?? '')}`);
  const intents = demoIntents(question);
  if (intents.code) parts.push(codeSample(intents.code.language));
  if (intents.table) parts.push(TABLE_SAMPLE);
  if (intents.long) parts.push(longText());
  parts.push(
    earlierTurns > 0
      ? `这次请求带上了 ${earlierTurns} 轮历史对话（发送 \`\\clear\` 可清空）。`
      : '这次请求没有带历史对话。',
    `试试发送「用 Python 写一个快速排序」「给我一个表格」「来个长回答」。\n\n> ${DEMO_HINT}`,
  );
  return parts.join('\n\n');
}

const SUMMARY_WORDS = /总结|概括|摘要|summar/i;
const QUOTED_LINES = 5;

/** The first lines of a quotation (its "> " lines), each cut to a readable length. */
function quotedLines(quotation: string): string {
  const lines = quotation
    .split('\n')
    .map((line) => line.replace(/^> ?/, ''))
    .filter((line) => line.trim() !== '');
  const more =
    lines.length > QUOTED_LINES ? `\n\n（共 ${lines.length} 行，只列出前 ${QUOTED_LINES} 行）` : '';
  return `${quoteLines(lines.slice(0, QUOTED_LINES))}${more}`;
}

function quote(question: string): string {
  const chars = Array.from(question);
  if (chars.length <= QUOTE_CHARS) return question;
  return `${chars.slice(0, QUOTE_CHARS).join('')}…（共 ${chars.length} 字）`;
}

function codeSample(language: DemoLanguage | undefined): string {
  const sample = CODE_SAMPLES[language ?? 'typescript'];
  const known = Object.values(CODE_SAMPLES)
    .map((candidate) => candidate.label)
    .join('、');
  const intro = language
    ? `一段 ${sample.label} 示例（快速排序）：`
    : `没有指定语言，这里用 ${sample.label} 写一段快速排序（演示模型会写：${known}）：`;
  return [intro, '', `\`\`\`${sample.fence}`, ...sample.code, '```'].join('\n');
}

const TABLE_SAMPLE = [
  '| 步骤 | 函数 | 说明 |',
  '|---|---|---|',
  '| 1 | conversation | 校验签名，异步调用 reply，立即返回 200 |',
  '| 2 | reply | 读取历史，调用模型，发送回答，保存这一轮 |',
].join('\n');

/** About 7,700 characters: more than one DingTalk markdown message holds, so the answer arrives in parts. */
function longText(): string {
  const paragraphs: string[] = ['下面是一个很长的回答，用来演示超长回答如何按段落拆分成多条消息：'];
  for (let i = 1; i <= 24; i += 1) {
    paragraphs.push(
      `### 第 ${i} 节\n\n${'钉钉机器人通过函数计算调用大模型，回答超过单条消息的长度时，会在段落或行的边界拆分，代码块保持完整。'.repeat(6)}`,
    );
  }
  return paragraphs.join('\n\n');
}
