import { describe, expect, it } from 'vitest';
import { demoIntents } from '../../scripts/playground/demo-intents';
import { demoAnswer } from '../../scripts/playground/demo-model';
import { encodePng } from '../../scripts/test-files/png';
import { wrapFileText } from '../../src/media/prepare-question';

const ask = (question: string) => demoAnswer([{ role: 'user', content: question }]);

/** The fence tags of the answer's code blocks. */
const fences = (answer: string) => [...answer.matchAll(/^```(\w+)$/gm)].map((match) => match[1]);

describe('the offline demo model reads intents, not exact words', () => {
  it.each([
    ['用 Python 写一个快速排序', 'python'],
    ['用python实现二分查找', 'python'],
    ['写一个 JavaScript 函数', 'javascript'],
    ['Node.js 怎么读文件', 'javascript'],
    ['用 TypeScript 写个排序', 'typescript'],
    ['Java 快速排序怎么写', 'java'],
    ['用 Go 写一个 HTTP 服务', 'go'],
    ['golang 的排序示例', 'go'],
    ['Rust 写个快排', 'rust'],
    ['C++ 实现快速排序', 'cpp'],
    ['用 C 语言写排序', 'c'],
    ['write a quicksort in Python', 'python'],
  ])('%s → a code block in %s', (question, fence) => {
    expect(fences(ask(question))).toEqual([fence]);
  });

  it('answers a code request with no language it knows in TypeScript, naming the ones it knows', () => {
    const answer = ask('写段代码');
    expect(fences(answer)).toEqual(['typescript']);
    expect(answer).toContain('Python、JavaScript、TypeScript、Java、Go、Rust、C、C++');
    expect(fences(ask('写一个排序算法'))).toEqual(['typescript']);
  });

  it('gives no code where none was asked for', () => {
    for (const question of ['你好', '明天的发布计划是什么？', 'Let’s go to lunch', '写一首关于春天的诗']) {
      expect(fences(ask(question))).toEqual([]);
    }
  });

  it('answers table requests with a table', () => {
    expect(ask('给我一个表格')).toContain('| 步骤 | 函数 | 说明 |');
    expect(ask('对比一下两个函数')).toContain('| 步骤 | 函数 | 说明 |');
    expect(ask('你好')).not.toContain('| 步骤 |');
  });

  it('gives the long (7,000+ character) answer only when a long answer is asked for explicitly', () => {
    expect(ask('来个长回答').length).toBeGreaterThan(7000);
    expect(ask('give me a long answer').length).toBeGreaterThan(7000);
    for (const question of ['长城有多长？', '成长', '这个函数太长了', '写一篇长文章的提纲']) {
      expect(demoIntents(question).long).toBe(false);
      expect(ask(question).length).toBeLessThan(2000);
    }
  });

  it('quotes at most 200 characters of a long question', () => {
    const answer = ask('问'.repeat(10_000));
    expect(answer).toContain('…（共 10000 字）');
    expect(answer.length).toBeLessThan(1000);
  });

  it('counts the history that came with the request', () => {
    const answer = demoAnswer([
      { role: 'user', content: '一' },
      { role: 'assistant', content: '答' },
      { role: 'user', content: '二' },
    ]);
    expect(answer).toContain('带上了 1 轮历史对话');
  });
});

describe('the offline demo model shows what a message brought', () => {
  const png = Buffer.from(encodePng(3, 2, new Uint8Array(18)));
  // A JPEG's start, an APP0 segment, then a baseline frame header: 640 wide, 480 high.
  const jpeg = Buffer.from([
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x4a, 0x46, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0xe0, 0x02, 0x80,
    0x03,
  ]);
  const fileBlock = (name: string, text: string, ask: string) =>
    `${wrapFileText(name, { status: 'text', type: 'pdf', text, chars: text.length, truncated: false })}\n\n${ask}`;
  const REPORT =
    '2024 年第三季度经营报告\n营业收入 1.2 亿元，同比增长 12%。\n研发投入 3000 万元。\n新增客户 86 家。';

  it('names each picture’s type, pixels and size, with the words that came with them', () => {
    const answer = demoAnswer([
      {
        role: 'user',
        content: '这是什么？',
        images: [
          { mime: 'image/png', bytes: png },
          { mime: 'image/jpeg', bytes: jpeg },
        ],
      },
    ]);
    expect(answer).toContain('收到了 2 张图片');
    expect(answer).toContain(`1. PNG 图片（image/png），3×2 像素，${png.length} 字节`);
    expect(answer).toContain('2. JPEG 图片（image/jpeg），640×480 像素，18 字节');
    expect(answer).toContain('图片附带的文字：「这是什么？」');
    expect(answer).toContain('VISION_MODEL');
  });

  it('gives a file’s type, length and first lines, and answers a question about it from its lines', () => {
    const summary = demoAnswer([
      { role: 'user', content: fileBlock('季度报告.pdf', REPORT, '请简要总结这个文件') },
    ]);
    expect(summary).toContain('收到了文件「季度报告.pdf」：PDF，');
    expect(summary).toContain(`${REPORT.length} 字`);
    expect(summary).toContain(
      '> 2024 年第三季度经营报告\n> 营业收入 1.2 亿元，同比增长 12%。\n> 研发投入 3000 万元。',
    );
    expect(summary).not.toContain('新增客户');
    const asked = demoAnswer([
      { role: 'user', content: fileBlock('季度报告.pdf', REPORT, '新增了多少客户？') },
    ]);
    expect(asked).toContain(
      '关于你的问题「新增了多少客户？」：在文件里找到了相关的内容：\n\n> 新增客户 86 家。',
    );
  });

  it('answers a follow-up question from the file sent earlier in the history', () => {
    const history = [
      { role: 'user', content: fileBlock('季度报告.pdf', REPORT, '请简要总结这个文件') },
      { role: 'assistant', content: '总结' },
    ];
    const found = demoAnswer([...history, { role: 'user', content: '营业收入是多少？' }]);
    expect(found).toContain(
      '在你之前发的文件「季度报告.pdf」里找到了相关的内容：\n\n> 营业收入 1.2 亿元，同比增长 12%。',
    );
    expect(found).not.toContain('> 研发投入');
    const missing = demoAnswer([...history, { role: 'user', content: '天气怎么样？' }]);
    expect(missing).toContain('在你之前发的文件「季度报告.pdf」里没有找到和这个问题相关的行。');
    expect(ask('营业收入是多少？')).not.toContain('之前发的文件');
  });

  it('acknowledges a quoted message and answers the question typed under it', () => {
    const answer = ask('引用的消息：\n> 落霞与孤鹜齐飞\n> 秋水共长天一色\n\n这句话是什么意思？');
    expect(answer).toContain('收到了你的问题：「这句话是什么意思？」');
    expect(answer).toContain('你引用了一条消息：\n\n> 落霞与孤鹜齐飞\n> 秋水共长天一色');
    expect(ask('落霞与孤鹜齐飞')).not.toContain('你引用了');
  });
});
