import { checkAccess, isAdmin, isExemptFromQuota, refusalNotice } from '../access/check-access';
import { NOTICES, unknownCommandNotice } from '../chat/notices';
import { defaultHelpText, MODE_NAMES } from '../commands/help-text';
import type { ParsedText } from '../commands/parse-command';
import type { PromptTemplate } from '../commands/prompt-templates';
import { describeTemplate } from '../commands/prompt-templates';
import type { ReplyConfig } from '../config/reply-config';
import type { MessageFileDownloader } from '../dingtalk/message-files';
import type { ReplyJob } from '../dingtalk/reply-job';
import type { ExtractedFile } from '../files/extract-file-text';
import type { QuestionInput } from '../media/prepare-question';
import { prepareQuestion } from '../media/prepare-question';
import type { ChatMode, ModeStore } from '../ports';
import { lookUpHistory, renderStats } from './admin-commands';
import type { AskDeps, Reply } from './ask-model';
import { askModel } from './ask-model';
import type { ImageMaker, UploadImage } from './generate-image';
import { generateImage } from './generate-image';
import type { PolicyDeps } from './policy-deps';
import { giveBackQuota, screenQuestion } from './screen-question';

export interface ComposeDeps extends AskDeps, PolicyDeps {
  config: AskDeps['config'] &
    PolicyDeps['config'] &
    Pick<ReplyConfig, 'defaultMode' | 'contextScope' | 'helpText' | 'media' | 'dingtalkApps'>;
  /** Fetches pictures and files users send (needs DINGTALK_APP_KEY). */
  downloader: MessageFileDownloader;
  /** Reads a file's text (loaded only when a file arrives). */
  extractFile: (
    bytes: Uint8Array,
    options: { fileName?: string; maxChars: number },
  ) => Promise<ExtractedFile>;
  modes: ModeStore;
  templates: readonly PromptTemplate[];
  images?: ImageMaker | undefined;
  uploadImage?: UploadImage | undefined;
}

/** Whose context and whose mode a message belongs to (hashed, file-safe keys). */
export interface ReplyKeys {
  history: string;
  sender: string;
}

// Open to everyone, so people who are refused can still find the ids to ask the admin for.
const OPEN_COMMANDS = new Set(['help', 'whoami']);
const ADMIN_COMMANDS = new Set(['stats', 'history-lookup']);

/** Whether the sender may use this command or ask at all (help and whoami are open to everyone). */
export function checkCommandAccess(
  parsed: ParsedText,
  job: ReplyJob,
  policy: ComposeDeps['config']['policy'],
) {
  return OPEN_COMMANDS.has(parsed.kind)
    ? { allowed: true as const }
    : checkAccess(policy, { staffId: job.senderStaffId }, job);
}

/** Answers one message: a command, or a question for the model (with its pictures, file or quote). */
export async function composeReply(
  job: ReplyJob,
  input: QuestionInput,
  parsed: ParsedText,
  keys: ReplyKeys,
  deps: ComposeDeps,
): Promise<Reply> {
  const { log, config } = deps;
  if (parsed.kind !== 'question') log.info({ command: parsed.kind }, 'command');
  const currentMode = async (): Promise<ChatMode> =>
    (await deps.modes.get(keys.sender)) ?? config.defaultMode;
  const access = checkCommandAccess(parsed, job, config.policy);
  if (!access.allowed) {
    log.info({ reason: access.reason }, 'refused by access control');
    return { text: refusalNotice(access.reason, config.policy.chatType) };
  }
  // Who may see other people's conversations is decided only where the answer can go nowhere but to the asker:
  // a group's webhook, or a replayed body naming a group, would carry it to everyone there.
  if (ADMIN_COMMANDS.has(parsed.kind) && job.conversationType !== 'single') {
    log.info({ command: parsed.kind }, 'admin command refused outside a direct chat');
    return { text: NOTICES.adminDirectOnly };
  }
  if (ADMIN_COMMANDS.has(parsed.kind) && !isAdmin(config.policy, job.senderStaffId)) {
    log.info({ command: parsed.kind }, 'admin command refused');
    return { text: '抱歉，这个指令只有管理员可以使用。' };
  }
  const sharedContext = config.contextScope === 'conversation' && job.conversationType === 'group';
  switch (parsed.kind) {
    case 'help':
      return {
        text:
          config.helpText ??
          defaultHelpText({
            mode: await currentMode(),
            historyLength: config.historyLength,
            maxRequestsPerDay: deps.quota ? config.policy.maxRequestsPerDay : 0,
            images: deps.images !== undefined,
            admin: isAdmin(config.policy, job.senderStaffId),
          }),
      };
    case 'whoami':
      return { text: describeSender(job) };
    case 'mode':
      await deps.modes.set(keys.sender, parsed.mode);
      return { text: modeNotice(parsed.mode, config.historyLength) };
    case 'reset':
      await Promise.all([deps.history.clear(keys.history), deps.modes.set(keys.sender, undefined)]);
      return {
        text: `🔄 已重置：${sharedContext ? '本群共享的对话上下文（群里所有人共用）' : '上下文'}已清空，你回到默认的**${MODE_NAMES[config.defaultMode]}**模式。`,
      };
    case 'clear':
      await deps.history.clear(keys.history);
      return { text: sharedContext ? NOTICES.clearedShared : NOTICES.cleared };
    case 'templates':
      return { text: listTemplates(deps.templates) };
    case 'template-usage':
      return { text: describeTemplate(parsed.template) };
    case 'unknown-command':
      return { text: unknownCommandNotice(parsed.word) };
    case 'quota':
      return { text: await describeQuota(job, keys.sender, deps) };
    case 'stats':
      return { text: await renderStats(deps.usage) };
    case 'history-lookup':
      return { text: await lookUpHistory(parsed.who, { ...deps, timeZone: config.policy.timeZone }) };
    case 'image': {
      const refusal = parsed.prompt ? await screenQuestion(job, parsed.prompt, keys.sender, deps) : undefined;
      return { text: refusal ?? (await generateImage(parsed.prompt, job.robotCode, deps)) };
    }
    case 'template':
    case 'question': {
      const question =
        parsed.kind === 'template'
          ? `${parsed.template.prefix}${parsed.content}${parsed.template.suffix}`
          : parsed.text;
      // In a shared group context the model must know who is speaking.
      const speaker = sharedContext && job.senderNick && question.trim() ? `${job.senderNick}：` : '';
      const prepared = await prepareQuestion(
        { ...input, text: `${speaker}${question}` },
        {
          media: config.media,
          app: config.dingtalkApps.find((app) => app.appKey === job.robotCode),
          downloader: deps.downloader,
          extract: deps.extractFile,
          log,
        },
      );
      if ('notice' in prepared) {
        await giveBackQuota(job, keys.sender, deps);
        return { text: prepared.notice };
      }
      const refusal = await screenQuestion(job, prepared.screened, keys.sender, deps);
      if (refusal) return { text: refusal };
      return askModel(prepared, await currentMode(), keys.history, deps);
    }
  }
}

async function describeQuota(job: ReplyJob, senderKey: string, deps: ComposeDeps): Promise<string> {
  const { policy } = deps.config;
  const max = policy.maxRequestsPerDay;
  if (max === 0 || !deps.quota) return '没有每日提问次数限制。';
  if (isExemptFromQuota(policy, job.senderStaffId)) return '你是 VIP 或管理员，提问次数不受限制。';
  const { used, remaining } = await deps.quota.peek(senderKey, max);
  return `今天还可以提问 **${remaining}** 次（每天 ${max} 次，已用 ${used} 次，${policy.timeZone} 零点重置）。`;
}

function modeNotice(mode: ChatMode, historyLength: number): string {
  if (mode === 'single')
    return '已切换到**单聊**模式：每条消息独立回答，不带上下文。发送 `串聊` 恢复连续对话。';
  if (historyLength === 0)
    return '已切换到**串聊**模式。注意：管理员关闭了对话记忆（HISTORY_LENGTH=0），不会带上下文。';
  return `已切换到**串聊**模式：我会记住最近 ${historyLength} 轮对话。发送 \`单聊\` 让每条消息独立回答，发送 \`重置\` 清空上下文。`;
}

function listTemplates(templates: readonly PromptTemplate[]): string {
  const titles = templates.map((template) => `\`${template.title}\``).join('  ');
  return `**提示词模板**：\n\n${titles}\n\n用法：\`#翻译 hello\`；只发送模板名（如 \`#周报\`）可查看它的说明。`;
}

function describeSender(job: ReplyJob): string {
  const lines = [
    job.senderStaffId
      ? `你的 staffId：\`${job.senderStaffId}\``
      : `你的 staffId：无（外部联系人，或应用尚未发布）；senderId：\`${job.senderId}\``,
    `会话 ID（conversationId）：\`${job.conversationId}\``,
    `会话类型：${job.conversationType === 'group' ? `群聊${job.conversationTitle ? `「${job.conversationTitle}」` : ''}` : '单聊'}`,
  ];
  return lines.join('\n\n');
}
