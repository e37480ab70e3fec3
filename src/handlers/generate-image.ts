import { describeError } from '../describe-error';
import type { Logger } from '../ports';

/** Makes one image for a prompt: a URL the chat can show, or PNG bytes to upload first. */
export interface ImageMaker {
  generate(prompt: string, log: Logger): Promise<{ kind: 'url'; url: string } | { kind: 'b64'; png: Buffer }>;
}

/** Uploads PNG bytes to DingTalk media for the robot `robotCode`; undefined when no app key is configured for it. */
export type UploadImage = (
  png: Buffer,
  robotCode: string | undefined,
  log: Logger,
) => Promise<string | undefined>;

const NOTICES = {
  off: '图片生成未开启：管理员还没有配置 IMAGE_MODEL。',
  usage: '用法：`#图片 描述`，例如 `#图片 一只在钉钉上开会的猫`',
  noImageModel: '抱歉，当前的模型服务没有可用的图片模型（请管理员检查 IMAGE_MODEL）。',
  failed: '抱歉，图片生成失败了，请稍后再试。',
  noUpload: '图片已生成，但无法上传到钉钉：需要配置 DINGTALK_APP_KEY 和 DINGTALK_APP_SECRET。',
} as const;

/** `#图片 描述`: the generated image as a markdown image, or a clear notice why there is none. */
export async function generateImage(
  prompt: string,
  robotCode: string | undefined,
  deps: { images?: ImageMaker | undefined; uploadImage?: UploadImage | undefined; log: Logger },
): Promise<string> {
  const { log } = deps;
  if (!deps.images) return NOTICES.off;
  if (!prompt) return NOTICES.usage;
  let image: Awaited<ReturnType<ImageMaker['generate']>>;
  try {
    image = await deps.images.generate(prompt, log);
  } catch (error) {
    const reason = (error as { reason?: string }).reason;
    log.warn({ error: describeError(error), reason }, 'image generation failed');
    return reason === 'no-image-model' ? NOTICES.noImageModel : NOTICES.failed;
  }
  if (image.kind === 'url') return `![${alt(prompt)}](${image.url})`;
  try {
    const mediaId = await deps.uploadImage?.(image.png, robotCode, log);
    // DingTalk markdown shows an uploaded image by its media id (dingtalk.md §4.2).
    return mediaId ? `![${alt(prompt)}](${mediaId})` : NOTICES.noUpload;
  } catch (error) {
    log.warn({ error: describeError(error) }, 'image upload failed');
    return NOTICES.failed;
  }
}

function alt(prompt: string): string {
  return prompt.replace(/[[\]()]/g, ' ').slice(0, 40);
}
