import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../src/commands/parse-command';
import { BUILT_IN_TEMPLATES, mergeTemplates } from '../../../src/commands/prompt-templates';

const templates = mergeTemplates([]);
const byTitle = (title: string) => templates.find((t) => t.title === title);

describe('parseCommand', () => {
  it.each([
    ['\\clear', { kind: 'clear' }],
    [' \\clear', { kind: 'clear' }],
    ['\\clear  \n', { kind: 'clear' }],
    ['\\CLEAR', { kind: 'clear' }],
    ['＼clear', { kind: 'clear' }],
    ['\\help', { kind: 'unknown-command', word: 'help' }],
    [' \\foo', { kind: 'unknown-command', word: 'foo' }],
    ['', { kind: 'help' }],
    ['   ', { kind: 'help' }],
    ['帮助', { kind: 'help' }],
    [' help ', { kind: 'help' }],
    ['HELP', { kind: 'help' }],
    ['单聊', { kind: 'mode', mode: 'single' }],
    [' 串聊', { kind: 'mode', mode: 'chain' }],
    ['重置', { kind: 'reset' }],
    ['模板', { kind: 'templates' }],
    ['whoami', { kind: 'whoami' }],
    ['WhoAmI', { kind: 'whoami' }],
    ['群ID', { kind: 'whoami' }],
    [' 群id ', { kind: 'whoami' }],
    ['\\', { kind: 'question', text: '\\' }],
    ['\\n 是什么意思', { kind: 'question', text: '\\n 是什么意思' }],
    ['clear', { kind: 'question', text: 'clear' }],
    ['帮助我写个周报', { kind: 'question', text: '帮助我写个周报' }],
    ['单聊和串聊有什么区别', { kind: 'question', text: '单聊和串聊有什么区别' }],
    ['#不存在的模板 内容', { kind: 'question', text: '#不存在的模板 内容' }],
    ['额度', { kind: 'quota' }],
    [' #统计 ', { kind: 'stats' }],
    ['#查对话 0426581234567890', { kind: 'history-lookup', who: '0426581234567890' }],
    ['#查对话 张三', { kind: 'history-lookup', who: '张三' }],
    ['#查对话', { kind: 'history-lookup', who: '' }],
    ['#图片 一只在钉钉上开会的猫', { kind: 'image', prompt: '一只在钉钉上开会的猫' }],
    ['#图片', { kind: 'image', prompt: '' }],
    [' 明天的发布计划是什么？', { kind: 'question', text: '明天的发布计划是什么？' }],
  ])('%j → %j', (text, expected) => {
    expect(parseCommand(text, templates)).toEqual(expected);
  });

  it('applies a template with its content', () => {
    expect(parseCommand('#翻译 hello world', templates)).toEqual({
      kind: 'template',
      template: byTitle('#翻译'),
      content: 'hello world',
    });
  });

  it('matches template titles case-insensitively and without a space', () => {
    expect(parseCommand('#linux命令 查看端口占用', templates)).toMatchObject({
      kind: 'template',
      content: '查看端口占用',
    });
    expect(parseCommand('#生成SQL 统计每天的订单数', templates)).toMatchObject({ kind: 'template' });
    expect(parseCommand('#翻译你好', templates)).toMatchObject({ kind: 'template', content: '你好' });
  });

  it('a bare template title asks how to use it', () => {
    expect(parseCommand(' #周报 ', templates)).toEqual({
      kind: 'template-usage',
      template: byTitle('#周报'),
    });
  });

  it('prefers the longest matching title', () => {
    const custom = mergeTemplates([{ title: '#翻译腔', prefix: 'P', suffix: '' }]);
    expect(parseCommand('#翻译腔 文本', custom)).toMatchObject({
      kind: 'template',
      template: { title: '#翻译腔' },
    });
  });

  it('ships the templates the issue names', () => {
    const titles = BUILT_IN_TEMPLATES.map((t) => t.title.toLowerCase());
    for (const title of ['#周报', '#翻译', '#解释代码', '#正则', '#生成sql', '#linux命令', '#润色']) {
      expect(titles).toContain(title);
    }
  });
});
