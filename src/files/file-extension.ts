/** The lower-case extension of a file name without its dot; '' when the name has none (DingTalk's may not). */
export function fileExtension(fileName: string | undefined): string {
  return /\.([a-z0-9]+)$/i.exec(fileName ?? '')?.[1]?.toLowerCase() ?? '';
}
