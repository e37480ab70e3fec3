import { formatSize } from './public/media-format';

/** A picture as the chat API stand-in decoded it from the request's data: URL. */
export interface DemoImage {
  mime: string;
  bytes: Uint8Array;
}

/**
 * What the demo model says about pictures it was sent: how many, each one's type, size in pixels (PNG, GIF, JPEG)
 * and bytes, and a fixed line saying that a real vision model would describe them.
 */
export function describePictures(images: readonly DemoImage[]): string {
  const items = images.map((image, index) => {
    const pixels = imageSize(image.bytes);
    const format = image.mime.replace(/^image\//, '').toUpperCase();
    return `${index + 1}. ${format} 图片（${image.mime}）${pixels ? `，${pixels.width}×${pixels.height} 像素` : ''}，${formatSize(image.bytes.length)}`;
  });
  return [
    `**离线演示模型**收到了 ${images.length} 张图片：`,
    items.join('\n'),
    '演示模型看不懂图片的内容，只能读出格式和大小。接入支持图片的模型（`VISION_MODEL`，例如 qwen-vl-plus、gpt-4o-mini）后，这里会是对图片内容的描述和图中文字的识别。',
  ].join('\n\n');
}

/** Width and height from a PNG, GIF or JPEG header; undefined for anything else. */
export function imageSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 24 && bytes[0] === 0x89 && bytes[1] === 0x50) {
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (bytes.length >= 10 && bytes[0] === 0x47 && bytes[1] === 0x49) {
    return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return jpegSize(bytes, view);
  return undefined;
}

// Start-of-frame markers (baseline, progressive, …): they hold the size. C4, C8 and CC are other segments.
const START_OF_FRAME = new Set([
  0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf,
]);

function jpegSize(bytes: Uint8Array, view: DataView): { width: number; height: number } | undefined {
  let offset = 2;
  while (offset + 9 <= bytes.length && bytes[offset] === 0xff) {
    const marker = bytes[offset + 1] ?? 0;
    if (START_OF_FRAME.has(marker)) {
      return { width: view.getUint16(offset + 7), height: view.getUint16(offset + 5) };
    }
    offset += 2 + view.getUint16(offset + 2);
  }
  return undefined;
}
