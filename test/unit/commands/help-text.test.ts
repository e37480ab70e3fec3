import { describe, expect, it } from 'vitest';
import type { HelpOptions } from '../../../src/commands/help-text';
import { defaultHelpText } from '../../../src/commands/help-text';
import { parseCommand } from '../../../src/commands/parse-command';

const PLAIN: HelpOptions = {
  mode: 'chain',
  historyLength: 5,
  maxRequestsPerDay: 0,
  images: false,
  admin: false,
};

/** The command words in the help's table rows (first cell, each `code` span). */
function listedWords(help: string): string[] {
  return help
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? ''));
}

describe('defaultHelpText', () => {
  it('lists every everyday command, 额度 included, and the sender’s mode', () => {
    const help = defaultHelpText(PLAIN);
    expect(listedWords(help)).toEqual([
      '帮助',
      'help',
      '单聊',
      '串聊',
      '重置',
      '\\clear',
      '模板',
      '#模板名 内容',
      'whoami',
      '群ID',
      '额度',
    ]);
    expect(help).toContain('当前不限次数');
    expect(help).toContain('最近 5 轮上下文');
    expect(help).toContain('当前模式：**串聊**');
    expect(help).not.toContain('#图片');
    expect(help).not.toContain('#统计');
    expect(help).not.toContain('#查对话');
  });

  it('says the daily limit when MAX_REQUESTS_PER_DAY is set', () => {
    expect(defaultHelpText({ ...PLAIN, maxRequestsPerDay: 20 })).toContain('每人每天 20 次');
  });

  it('lists #图片 only when an image model is configured', () => {
    expect(listedWords(defaultHelpText({ ...PLAIN, images: true }))).toContain('#图片 描述');
  });

  it('shows admins their commands, noting they work only in a direct chat', () => {
    const help = defaultHelpText({ ...PLAIN, admin: true, mode: 'single' });
    expect(listedWords(help)).toEqual(expect.arrayContaining(['#统计', '#查对话 staffId或昵称']));
    expect(help).toMatch(/管理员指令.*只在与我的单聊中可用/);
    expect(help).toContain('当前模式：**单聊**');
  });

  it('every word it lists is a command the robot understands', () => {
    const help = defaultHelpText({ ...PLAIN, images: true, admin: true });
    const understood = listedWords(help)
      .filter((word) => word !== '#模板名 内容')
      .map((word) => parseCommand(word.replace('staffId或昵称', '张三').replace('描述', '一只猫')).kind);
    expect(understood).not.toContain('question');
    expect(understood).not.toContain('unknown-command');
  });
});
