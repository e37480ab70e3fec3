import type { ChatMode } from '../ports';

/** The name users type for a mode. */
export const MODE_NAMES: Readonly<Record<ChatMode, string>> = { single: '单聊', chain: '串聊' };

/** What the help must know about the deployment and the sender to list exactly the commands that work. */
export interface HelpOptions {
  mode: ChatMode;
  historyLength: number;
  /** MAX_REQUESTS_PER_DAY; 0 = unlimited. */
  maxRequestsPerDay: number;
  /** IMAGE_MODEL is set, so #图片 answers with an image. */
  images: boolean;
  /** The sender is in ADMIN_USERS (and not in DENY_USERS), so #统计 and #查对话 answer them. */
  admin: boolean;
}

/** The built-in help: a markdown table of the commands this deployment answers for this sender, and their mode. */
export function defaultHelpText(options: HelpOptions): string {
  const quota =
    options.maxRequestsPerDay > 0
      ? `查看今天还能提问几次（每人每天 ${options.maxRequestsPerDay} 次）`
      : '查看提问次数限制（当前不限次数）';
  const lines = [
    '**我能做什么**：直接发送问题即可；在群里请 @我（只 @我 不写内容会显示本帮助）。',
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
    `| \`额度\` | ${quota} |`,
  ];
  if (options.images) lines.push('| `#图片 描述` | 生成一张图片，如 `#图片 一只在钉钉上开会的猫` |');
  if (options.admin) {
    lines.push(
      '',
      '**管理员指令**（只在与我的单聊中可用，在群里发送不会显示任何内容）：',
      '',
      '| 指令 | 说明 |',
      '|---|---|',
      '| `#统计` | 今天每人的消息数和 token 数及合计 |',
      '| `#查对话 staffId或昵称` | 查看该用户最近的对话 |',
    );
  }
  lines.push('', `当前模式：**${MODE_NAMES[options.mode]}**`);
  return lines.join('\n');
}
