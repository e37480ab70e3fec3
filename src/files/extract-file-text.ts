// Placeholder with the agreed interface; the real detector and extractors land from the `files` branch.
export type FileType =
  | 'txt'
  | 'md'
  | 'csv'
  | 'json'
  | 'pdf'
  | 'docx'
  | 'xlsx'
  | 'pptx'
  | 'doc'
  | 'xls'
  | 'zip'
  | 'image';

export type ExtractedFile =
  | { status: 'text'; type: FileType; text: string; truncated: boolean; chars: number }
  | { status: 'unsupported'; type: FileType | 'unknown' }
  | { status: 'encrypted'; type: FileType }
  | { status: 'no-text'; type: FileType }
  | { status: 'corrupt'; type: FileType };

export function detectFileType(_bytes: Uint8Array, _fileName?: string): FileType | 'unknown' {
  return 'unknown';
}

export async function extractFileText(
  bytes: Uint8Array,
  options: { fileName?: string; maxChars: number },
): Promise<ExtractedFile> {
  const text = Buffer.from(bytes).toString('utf8');
  const truncated = text.length > options.maxChars;
  return {
    status: 'text',
    type: 'txt',
    text: text.slice(0, options.maxChars),
    truncated,
    chars: text.length,
  };
}
