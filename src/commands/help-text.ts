import type { ChatMode } from '../ports';

/** The name users type for a mode. */
export const MODE_NAMES: Readonly<Record<ChatMode, string>> = { single: '单聊', chain: '串聊' };

/** The built-in help: a markdown table of the commands, and the sender's current mode. */
export function defaultHelpText(options: { mode: ChatMode; historyLength: number }): string {
  return [
    '**我能做什么**：直接发送问题即可；在群里请 @我。',
    '',
    '| 指令 | 说明 |',
    '|---|---|',
    '| `帮助` / `help` | 显示本帮助 |',
    '| `单聊` | 每条消息独立回答，不带上下文 |',
    `| \`串聊\` | 连续对话，带上最近 ${options.historyLength} 轮上下文 |`,
    '| `重置` | 清空上下文，回到默认模式 |',
    '| `\\clear` | 清空对话历史 |',
    '| `模板` | 列出提示词模板 |',
    '| `#模板名 内容` | 用模板提问，如 `#翻译 hello` |',
    '| `whoami` / `群ID` | 查看你的 staffId 和会话 ID |',
    '',
    `当前模式：**${MODE_NAMES[options.mode]}**`,
  ].join('\n');
}
