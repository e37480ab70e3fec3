import type { ServerResponse } from 'node:http';
import type { MediaUpload } from '../emulators/dingtalk-api';

/**
 * Serves an image the reply function uploaded to the emulated DingTalk media (`![描述](@lADP…)` in an answer), as
 * DingTalk shows such images in the chat. Unknown ids get 404, and the page shows the image's description.
 */
export function serveMedia(uploads: readonly MediaUpload[], mediaId: string, res: ServerResponse): void {
  const upload = uploads.find((candidate) => candidate.mediaId === mediaId);
  if (upload?.type !== 'image') {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('没有这个媒体文件');
    return;
  }
  res
    .writeHead(200, {
      'content-type': /^image\/[\w.+-]+$/.test(upload.contentType)
        ? upload.contentType
        : 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, max-age=3600',
    })
    .end(upload.bytes);
}
