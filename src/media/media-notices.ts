import type { DownloadFailure } from '../dingtalk/message-files';
import type { ExtractedFile } from '../files/extract-file-text';

/** What the robot reads besides text, for the notices that say what it does support. */
const SUPPORTED = '文字、语音、图片、图文消息和文件（txt、md、csv、json、pdf、docx、xlsx）';

/** The robot's own words about voice, pictures and files (Chinese: the users are DingTalk teams in China). */
export const MEDIA_NOTICES = {
  emptyVoice: '没听清，请再说一遍或直接打字。',
  unsupportedType: `抱歉，我暂时不支持这种消息。目前能看懂的有：${SUPPORTED}。`,
  needsAppKey:
    '抱歉，要看图片和文件，需要管理员为机器人配置钉钉应用的 AppKey（环境变量 DINGTALK_APP_KEY），现在只能回答文字和语音。',
  notAnImage: '收到的图片无法识别（不是常见的图片格式），请重新发送。',
  visionRefused:
    '当前模型不支持看图片。请管理员把 VISION_MODEL 设为支持图片的模型（例如 qwen-vl-plus、gpt-4o-mini），或直接用文字描述你的问题。',
} as const;

/** Why a picture or file could not be fetched, and what to do. */
export function downloadNotice(reason: DownloadFailure, what: '图片' | '文件', maxBytes: number): string {
  switch (reason) {
    case 'too-big':
      return `${what}太大了（超过 ${formatMegabytes(maxBytes)}），请压缩或拆分后再发送。`;
    case 'expired':
      return `${what}的下载链接已失效，请重新发送一次。`;
    case 'not-found':
      return `找不到这个${what}，可能已被撤回，请重新发送。`;
    case 'forbidden':
      return `机器人没有下载${what}的权限：请管理员在钉钉开发者后台为应用开通机器人消息相关权限后重新发布（见 README「看图片和文件」）。`;
    case 'timeout':
      return `下载${what}超时了，请稍后重新发送。`;
    case 'failed':
      return `下载${what}失败了，请稍后重新发送。`;
  }
}

/** Why a file gave no text. */
export function extractionNotice(result: Exclude<ExtractedFile, { status: 'text' }>): string {
  switch (result.status) {
    case 'unsupported':
      return `抱歉，暂不支持这种文件${result.type === 'unknown' ? '' : `（${result.type}）`}。目前能读取 txt、md、csv、json、pdf、docx、xlsx 文件。`;
    case 'encrypted':
      return '这个文件有密码保护，我打不开。请去掉密码后再发送。';
    case 'no-text':
      return '这个文件里没有可以提取的文字（可能是扫描件或图片）。可以把页面截图发给我，我来看图回答。';
    case 'corrupt':
      return '这个文件已损坏或格式不正确，我读不出来，请检查后重新发送。';
  }
}

/** A byte limit as the notices write it: 10 MB, 1.5 MB, 512 KB. */
export function formatMegabytes(bytes: number): string {
  const megabytes = bytes / (1024 * 1024);
  return megabytes >= 1
    ? `${Number.isInteger(megabytes) ? megabytes : megabytes.toFixed(1)} MB`
    : `${Math.round(bytes / 1024)} KB`;
}
