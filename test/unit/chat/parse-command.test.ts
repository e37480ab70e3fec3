import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../src/chat/parse-command';

describe('parseCommand', () => {
  it.each([
    ['\\clear', { kind: 'clear' }],
    [' \\clear', { kind: 'clear' }],
    ['\\clear  \n', { kind: 'clear' }],
    ['\\CLEAR', { kind: 'clear' }],
    ['＼clear', { kind: 'clear' }],
    ['\\help', { kind: 'unknown-command', word: 'help' }],
    [' \\foo', { kind: 'unknown-command', word: 'foo' }],
    ['', { kind: 'empty' }],
    ['   ', { kind: 'empty' }],
    ['\\', { kind: 'question', text: '\\' }],
    ['\\n 是什么意思', { kind: 'question', text: '\\n 是什么意思' }],
    ['clear', { kind: 'question', text: 'clear' }],
    [' 明天的发布计划是什么？', { kind: 'question', text: '明天的发布计划是什么？' }],
  ])('%j → %j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });
});
