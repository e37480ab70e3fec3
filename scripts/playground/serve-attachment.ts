import type { ServerResponse } from 'node:http';
import type { Attachments } from './attachments';

/**
 * GET /api/attachments/<id>: a picture or file members sent, for the page's thumbnails and file chips. A picture
 * is shown inline with the type read from its bytes; anything else downloads under its name, never rendered.
 */
export function serveAttachment(
  attachments: Pick<Attachments, 'get'>,
  id: string,
  res: ServerResponse,
): void {
  const item = attachments.get(id);
  if (!item) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('这个图片或文件已不在演练场里');
    return;
  }
  res
    .writeHead(200, {
      'content-type': item.image ?? 'application/octet-stream',
      'content-disposition': `${item.image ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(item.name)}`,
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, max-age=3600',
    })
    .end(item.bytes);
}
