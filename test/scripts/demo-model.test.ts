import { describe, expect, it } from 'vitest';
import { demoIntents } from '../../scripts/playground/demo-intents';
import { demoAnswer } from '../../scripts/playground/demo-model';

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
