import { randomBytes } from 'node:crypto';
import { detectImageType } from '../../src/media/image-type';
import { sampleDocuments } from './samples/sample-documents';
import { samplePictures } from './samples/sample-pictures';

/** A picture or file the page can send: a built-in sample or an upload. */
export interface Attachment {
  id: string;
  name: string;
  bytes: Buffer;
  /** The image type read from the bytes (image/png, …); undefined for anything that is no picture. */
  image: string | undefined;
}

/** What the page is told about an attachment. */
export interface AttachmentInfo {
  id: string;
  name: string;
  size: number;
  image?: string;
}

// Uploads are kept in memory for sends and later quotes: the oldest go first beyond these.
const KEEP_UPLOADS = 40;
const KEEP_UPLOAD_BYTES = 256 * 1024 * 1024;

/** The playground's pictures and files: the samples, and what was uploaded (the most recent ones). */
export function createAttachments() {
  const samples = {
    pictures: samplePictures().map((sample, index) => attachment(`sample-picture-${index + 1}`, sample)),
    files: sampleDocuments().map((sample, index) => attachment(`sample-file-${index + 1}`, sample)),
  };
  const byId = new Map<string, Attachment>(
    [...samples.pictures, ...samples.files].map((item) => [item.id, item]),
  );
  const uploads: Attachment[] = [];

  return {
    samples: {
      pictures: samples.pictures.map(describeAttachment),
      files: samples.files.map(describeAttachment),
    },
    get(id: string): Attachment | undefined {
      return byId.get(id);
    },
    /** Keeps an uploaded file; the oldest uploads are forgotten when there are too many. */
    add(name: string, bytes: Buffer): Attachment {
      const item = attachment(`upload-${randomBytes(9).toString('base64url')}`, { name, bytes });
      uploads.push(item);
      byId.set(item.id, item);
      let total = uploads.reduce((sum, upload) => sum + upload.bytes.length, 0);
      while (uploads.length > KEEP_UPLOADS || (uploads.length > 1 && total > KEEP_UPLOAD_BYTES)) {
        const oldest = uploads.shift() as Attachment;
        byId.delete(oldest.id);
        total -= oldest.bytes.length;
      }
      return item;
    },
  };
}

export type Attachments = ReturnType<typeof createAttachments>;

/** The page's view of an attachment: no bytes. */
export function describeAttachment(item: Attachment): AttachmentInfo {
  return {
    id: item.id,
    name: item.name,
    size: item.bytes.length,
    ...(item.image ? { image: item.image } : {}),
  };
}

function attachment(id: string, source: { name: string; bytes: Buffer }): Attachment {
  return { id, name: source.name, bytes: source.bytes, image: detectImageType(source.bytes) };
}
