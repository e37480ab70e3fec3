import type { IncomingMessage, ServerResponse } from 'node:http';
import { detectImageType } from '../../src/media/image-type';
import { formatMegabytes } from '../../src/media/media-notices';
import type { Attachments } from './attachments';
import { describeAttachment } from './attachments';

const MAX_NAME_CHARS = 255;

/**
 * POST /api/uploads?kind=picture|file&name=…: the bytes of a picture or file chosen in the page, as the request
 * body. Anything up to `maxBytes` is kept — more than the robot accepts, so that its "too big" notice can be
 * seen; beyond that, and a "picture" that is not one, are refused with a Chinese line saying why.
 */
export async function uploadAttachment(
  req: IncomingMessage,
  res: ServerResponse,
  attachments: Pick<Attachments, 'add'>,
  maxBytes: number,
): Promise<void> {
  const query = new URL(req.url ?? '/', 'http://playground').searchParams;
  const kind = query.get('kind');
  const name = (query.get('name') ?? '').trim().slice(0, MAX_NAME_CHARS);
  const tooBig = `太大了：演练场最多接收 ${formatMegabytes(maxBytes)} 的文件`;
  if (kind !== 'picture' && kind !== 'file') return refuse(res, 400, '上传失败：kind 必须是 picture 或 file');
  if (name === '') return refuse(res, 400, '上传失败：缺少文件名');
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return refuse(res, 413, tooBig);
  const bytes = await readAtMost(req, maxBytes);
  if (bytes === undefined) return refuse(res, 413, tooBig);
  if (bytes.length === 0) return refuse(res, 400, `「${name}」是空文件，钉钉不会发送空文件`);
  if (kind === 'picture' && !detectImageType(bytes)) {
    return refuse(res, 400, `「${name}」不是图片（PNG、JPEG、GIF、WEBP），请用「文件」发送`);
  }
  const item = attachments.add(name, bytes);
  res
    .writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
    .end(JSON.stringify(describeAttachment(item)));
}

/** The body, or undefined as soon as it grows past `maxBytes` (the rest is not read). */
function readAtMost(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function refuse(res: ServerResponse, status: number, error: string): void {
  // The rest of a refused body is not read: the connection closes after the answer.
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
  res.end(JSON.stringify({ error }));
}
