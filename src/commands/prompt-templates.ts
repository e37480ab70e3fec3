/** A prompt template: `#title content` sends prefix + content + suffix to the model (chatgpt-dingtalk's prompt.yml shape). */
export interface PromptTemplate {
  title: string;
  prefix: string;
  suffix: string;
}

/** The built-in templates; a PROMPTS_FILE entry with the same title (case-insensitive) replaces one. */
export const BUILT_IN_TEMPLATES: readonly PromptTemplate[] = [
  {
    title: '#周报',
    prefix:
      '请把下面的工作内容整理成一份结构清晰的周报，用 Markdown 分点列出本周完成、进行中、问题与风险、下周计划：\n',
    suffix: '',
  },
  {
    title: '#翻译',
    prefix: '请把下面的内容翻译成中文（如果原文是中文则翻译成英文），译文自然流畅、简洁准确，只输出译文：\n',
    suffix: '',
  },
  { title: '#中译英', prefix: '请把下面的中文翻译成地道、简洁的英文，只输出译文：\n', suffix: '' },
  { title: '#英译中', prefix: '请把下面的英文翻译成自然流畅的中文，只输出译文：\n', suffix: '' },
  {
    title: '#润色',
    prefix:
      '请润色下面这段文字：修正错别字和语病，让表达更通顺专业，保持原意和语言；先给出润色后的全文，再简要列出主要修改：\n',
    suffix: '',
  },
  {
    title: '#查找语法错误',
    prefix: '请找出下面这段文字中的语法和拼写错误，逐条列出原文、问题和修改建议：\n',
    suffix: '',
  },
  {
    title: '#解释代码',
    prefix: '请逐段解释下面这段代码做了什么、为什么这样写，并指出可能的问题：\n```\n',
    suffix: '\n```',
  },
  {
    title: '#编程问题',
    prefix: '你是一名资深软件工程师。请给出可直接使用的解决方案和必要的代码：\n',
    suffix: '',
  },
  {
    title: '#正则',
    prefix: '请根据下面的描述写出正则表达式，只输出表达式本身，放在代码块中，不要解释：\n',
    suffix: '',
  },
  {
    title: '#生成sql',
    prefix: '请根据下面的需求写出 SQL（默认 MySQL 语法），放在代码块中，并用一句话说明思路：\n',
    suffix: '',
  },
  {
    title: '#Linux命令',
    prefix: '请给出完成下面任务的 Linux 命令，放在代码块中，并逐个说明关键参数：\n',
    suffix: '',
  },
  {
    title: '#产品经理',
    prefix:
      '请以产品经理的身份，为下面的主题写一份 PRD，包含：背景、问题陈述、目标、用户故事、功能需求、验收标准、风险：\n',
    suffix: '',
  },
  {
    title: '#小红书',
    prefix: '请用小红书的风格改写下面的内容：吸引眼球的标题，每段配 emoji，结尾加几个话题标签：\n',
    suffix: '',
  },
];

/** Built-ins with the custom templates laid over them: a custom title replaces the built-in one of that title. */
export function mergeTemplates(custom: readonly PromptTemplate[]): PromptTemplate[] {
  const byTitle = new Map(BUILT_IN_TEMPLATES.map((template) => [template.title.toLowerCase(), template]));
  for (const template of custom) byTitle.set(template.title.toLowerCase(), template);
  return [...byTitle.values()];
}

/** What a bare `#title` answers: how to use the template. */
export function describeTemplate(template: PromptTemplate): string {
  return `**${template.title}** 的用法：发送 \`${template.title} 你的内容\`\n\n发给模型的内容是：\n\n> ${template.prefix.trim()} **你的内容** ${template.suffix.trim()}`;
}
