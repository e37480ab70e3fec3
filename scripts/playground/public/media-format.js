/** How the page writes sizes, durations and file types. No DOM use: unit tests import it. */

/** A byte count: 637 字节, 4 KB, 1.3 KB, 2.5 MB. */
export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} 字节`;
  const kilobytes = bytes / 1024;
  return kilobytes < 1024 ? `${oneDecimal(kilobytes)} KB` : `${oneDecimal(kilobytes / 1024)} MB`;
}

function oneDecimal(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** A voice message's length as DingTalk shows it: 3″. */
export function formatDuration(ms) {
  return `${Math.max(1, Math.round(ms / 1000))}″`;
}

/** The short type label of a file chip, from its name: PDF, DOCX, XLSX, … (文件 when the name has none). */
export function fileBadge(name) {
  const match = /\.([A-Za-z0-9]{1,5})$/.exec(name);
  return match ? match[1].toUpperCase() : '文件';
}
