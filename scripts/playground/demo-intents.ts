/** A programming language the offline demo model has a sample in. */
export type DemoLanguage = 'python' | 'javascript' | 'typescript' | 'java' | 'go' | 'rust' | 'c' | 'cpp';

/** What a question asks the demo model for, read from its wording rather than from exact words. */
export interface DemoIntents {
  /** A code request, in the language named (undefined: none it knows was named). */
  code: { language: DemoLanguage | undefined } | undefined;
  table: boolean;
  /** Only an explicit request for a long answer: it costs about 7,700 characters. */
  long: boolean;
}

// Order matters: C++ before C, TypeScript and JavaScript before Java.
const LANGUAGES: ReadonlyArray<[DemoLanguage, RegExp]> = [
  ['python', /python|\bpy\b/i],
  ['typescript', /typescript|\bts\b/i],
  ['javascript', /javascript|\bjs\b|node\.?js/i],
  ['java', /\bjava\b/i],
  ['go', /\bgolang\b|\bgo\s*语言|(?:用|拿|以)\s*go\b|\bgo\s*(?:写|实现|版)|\bin go\b/i],
  ['rust', /\brust\b/i],
  ['cpp', /c\+\+|\bcpp\b/i],
  ['c', /\bc\s*语言|(?:用|拿|以)\s*c\b(?![+#])|\bc\s*(?:写|实现|版)|\bin c\b(?![+#])/i],
];

const CODE_WORDS =
  /代码|编程|程序|函数|脚本|算法|排序|正则|\bcode\b|snippet|function|script|program|algorithm|sort/i;
const WRITING_WORDS = /写|实现|示例|例子|怎么|如何|write|implement|example|how/i;
const TABLE_WORDS = /表格|列表|对比|比较|区别|\btable\b|compare/i;
const LONG_WORDS = /长回答|长一点的回答|很长的回答|长的回答|long answer/i;

/** Reads a question's intents: code (and its language), a table, an explicitly long answer. */
export function demoIntents(question: string): DemoIntents {
  const language = LANGUAGES.find(([, pattern]) => pattern.test(question))?.[0];
  const wantsCode = CODE_WORDS.test(question) || (language !== undefined && WRITING_WORDS.test(question));
  return {
    code: wantsCode ? { language } : undefined,
    table: TABLE_WORDS.test(question),
    long: LONG_WORDS.test(question),
  };
}
