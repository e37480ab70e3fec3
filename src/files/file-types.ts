/** What a file is, as told by its bytes; the name only picks among the text kinds. */
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
  | 'ppt'
  /** An encrypted Office document whose name does not tell docx, xlsx or pptx. */
  | 'office'
  | 'rtf'
  | 'zip'
  | 'archive'
  | 'image'
  | 'audio'
  | 'video';

export type ExtractedFile =
  /**
   * `chars` is the length of the text before it was cut to maxChars. Where extraction stops early (a PDF at the
   * page, a spreadsheet at the row that passes maxChars) it counts what was read: still more than maxChars.
   * `truncated` also marks a PDF read only up to its page limit.
   */
  | { status: 'text'; type: FileType; text: string; truncated: boolean; chars: number }
  | { status: 'unsupported'; type: FileType | 'unknown' }
  | { status: 'encrypted'; type: FileType }
  | { status: 'no-text'; type: FileType }
  | { status: 'corrupt'; type: FileType };
