import type { ChatFailureKind } from './chat-failure';

/** The robot's own messages (not model answers). Chinese: the users are DingTalk teams in China. */
export const NOTICES = {
  cleared: '✅ 已清空你的对话历史，我们重新开始吧。',
  commandList: '可用指令：`\\clear` 清空对话历史；发送 `帮助` 查看全部指令。直接输入文字即可向我提问。',
  internal: '抱歉，处理你的消息时出了点问题，请稍后再试。',
  storageDown: '抱歉，机器人的存储暂时不可用，这个操作现在无法完成，请稍后再试。',
  adminDirectOnly: '这个指令只能在与机器人的单聊中使用，请私聊机器人后再发送。',
  clearedShared: '✅ 已清空本群共享的对话上下文（群里所有人共用这一份），大家重新开始吧。',
} as const;

/** The notice for an unknown backslash command. */
export function unknownCommandNotice(word: string): string {
  return `未知指令：\`\\${word}\`\n\n${NOTICES.commandList}`;
}

const FAILURE_NOTICES: Record<ChatFailureKind, string> = {
  timeout: '抱歉，模型服务响应超时，请稍后再试。',
  rate_limited: '抱歉，模型服务当前请求过多（限流），请稍后再试。',
  unavailable: '抱歉，模型服务暂时不可用，请稍后再试。',
  auth: '抱歉，模型服务认证失败，请联系管理员检查 API Key 配置。',
  context_too_long: '抱歉，对话内容超出了模型的上下文长度。请发送 `重置` 清空上下文后再试。',
  rejected: '抱歉，模型服务拒绝了这次请求，请换个说法后再试。',
  empty: '抱歉，模型没有返回内容，请换个说法后再试。',
};

/** The notice for a failed chat API call: what failed, and to try again. */
export function chatFailureNotice(kind: ChatFailureKind): string {
  return FAILURE_NOTICES[kind];
}
