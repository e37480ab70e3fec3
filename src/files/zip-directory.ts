const END_OF_DIRECTORY = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END_OF_DIRECTORY = 0x06064b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_ENTRY = 0x04034b50;
const ZIP64_EXTRA = 0x0001;
const ZIP64_MARKER = 0xffffffff;
// The end record is 22 bytes plus a comment of at most 65535.
const END_SEARCH = 22 + 0xffff;

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  /** The uncompressed size the zip claims: a zip bomb may lie. */
  size: number;
  localHeaderOffset: number;
}

/**
 * The entries of a zip's central directory, or undefined when it has none that reads through: a truncated or
 * damaged zip. Every entry was found where the directory says, so the count is bounded by the zip's size.
 */
export function readZipDirectory(bytes: Uint8Array): ZipEntry[] | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndOfDirectory(view);
  if (end === undefined) return undefined;
  let count = view.getUint16(end + 10, true);
  let offset = view.getUint32(end + 16, true);
  if (end >= 20 && view.getUint32(end - 20, true) === ZIP64_LOCATOR) {
    const zip64End = Number(view.getBigUint64(end - 12, true));
    if (zip64End + 56 > view.byteLength || view.getUint32(zip64End, true) !== ZIP64_END_OF_DIRECTORY) {
      return undefined;
    }
    count = Number(view.getBigUint64(zip64End + 32, true));
    offset = Number(view.getBigUint64(zip64End + 48, true));
  }
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i += 1) {
    if (offset + 46 > view.byteLength || view.getUint32(offset, true) !== DIRECTORY_ENTRY) return undefined;
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const utf8 = (view.getUint16(offset + 8, true) & 0x800) !== 0;
    const extra = bytes.subarray(offset + 46 + nameLength, offset + 46 + nameLength + extraLength);
    entries.push({
      name: entryName(bytes.subarray(offset + 46, offset + 46 + nameLength), utf8),
      method: view.getUint16(offset + 10, true),
      ...sizesAndOffset(view, offset, extra),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * Names in the local entry headers, found by their signature: all a truncated zip still tells about what it
 * held. A stored entry's data may contain a false signature; these names are only for telling the kind.
 */
export function localEntryNames(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const names: string[] = [];
  for (let at = bytes.indexOf(0x50); at >= 0 && at + 30 <= bytes.length; at = bytes.indexOf(0x50, at + 1)) {
    if (view.getUint32(at, true) !== LOCAL_ENTRY) continue;
    const nameLength = view.getUint16(at + 26, true);
    const utf8 = (view.getUint16(at + 6, true) & 0x800) !== 0;
    names.push(entryName(bytes.subarray(at + 30, at + 30 + nameLength), utf8));
  }
  return names;
}

/** Where the data of an entry starts: after its local header, whose name and extra field may differ in length. */
export function entryDataOffset(bytes: Uint8Array, entry: ZipEntry): number | undefined {
  const at = entry.localHeaderOffset;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (at + 30 > view.byteLength || view.getUint32(at, true) !== LOCAL_ENTRY) return undefined;
  return at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
}

// Sizes and offset too large for 32 bits are 0xFFFFFFFF in the entry and follow, in this order, in its zip64 extra.
function sizesAndOffset(
  view: DataView,
  entry: number,
  extra: Uint8Array,
): Pick<ZipEntry, 'size' | 'compressedSize' | 'localHeaderOffset'> {
  const fields = [
    view.getUint32(entry + 24, true),
    view.getUint32(entry + 20, true),
    view.getUint32(entry + 42, true),
  ];
  const extraView = new DataView(extra.buffer, extra.byteOffset, extra.byteLength);
  for (let at = 0; at + 4 <= extra.length; at += 4 + extraView.getUint16(at + 2, true)) {
    if (extraView.getUint16(at, true) !== ZIP64_EXTRA) continue;
    let next = at + 4;
    for (const [index, value] of fields.entries()) {
      if (value !== ZIP64_MARKER || next + 8 > extra.length) continue;
      fields[index] = Number(extraView.getBigUint64(next, true));
      next += 8;
    }
  }
  const [size = 0, compressedSize = 0, localHeaderOffset = 0] = fields;
  return { size, compressedSize, localHeaderOffset };
}

function findEndOfDirectory(view: DataView): number | undefined {
  const last = Math.max(0, view.byteLength - END_SEARCH);
  for (let at = view.byteLength - 22; at >= last; at -= 1) {
    if (view.getUint32(at, true) === END_OF_DIRECTORY) return at;
  }
  return undefined;
}

// Names without the UTF-8 flag are in the zip's legacy code page; the parts of Office files are ASCII either way.
function entryName(bytes: Uint8Array, utf8: boolean): string {
  return new TextDecoder(utf8 ? 'utf-8' : 'latin1').decode(bytes);
}
