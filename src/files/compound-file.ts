// OLE2 / Compound File Binary ([MS-CFB]): the container of old .doc/.xls/.ppt files and of encrypted Office files.
const SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const END_OF_CHAIN = 0xfffffffe;
const HEADER_DIFAT_ENTRIES = 109;
const DIRECTORY_ENTRY_BYTES = 128;

export function isCompoundFile(bytes: Uint8Array): boolean {
  return SIGNATURE.every((byte, i) => bytes[i] === byte);
}

/** The names of the streams and storages in a compound file's directory; empty when it cannot be read. */
export function compoundFileEntryNames(bytes: Uint8Array): string[] {
  if (!isCompoundFile(bytes) || bytes.length < 512) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sectorSize = 1 << view.getUint16(0x1e, true);
  if (sectorSize !== 512 && sectorSize !== 4096) return [];
  const sectorOffset = (sector: number) => (sector + 1) * sectorSize;
  const sectorCount = Math.floor(bytes.length / sectorSize) - 1;
  const fat = readFat(view, sectorSize, sectorOffset, sectorCount);
  const names: string[] = [];
  const seen = new Set<number>();
  for (
    let sector = view.getUint32(0x30, true);
    sector !== END_OF_CHAIN;
    sector = fat[sector] ?? END_OF_CHAIN
  ) {
    if (sector >= sectorCount || seen.has(sector)) break;
    seen.add(sector);
    for (
      let entry = sectorOffset(sector);
      entry < sectorOffset(sector) + sectorSize;
      entry += DIRECTORY_ENTRY_BYTES
    ) {
      const name = directoryEntryName(view, entry);
      if (name) names.push(name);
    }
  }
  return names;
}

/** The sector allocation table: sector number → next sector of its chain. */
function readFat(
  view: DataView,
  sectorSize: number,
  sectorOffset: (sector: number) => number,
  sectorCount: number,
): Uint32Array {
  const perSector = sectorSize / 4;
  const fatSectors: number[] = [];
  for (let i = 0; i < HEADER_DIFAT_ENTRIES; i += 1) fatSectors.push(view.getUint32(0x4c + i * 4, true));
  // Files with more than 109 FAT sectors chain further DIFAT sectors, each ending with the next one's number.
  const seen = new Set<number>();
  for (let difat = view.getUint32(0x44, true); difat < sectorCount && !seen.has(difat); ) {
    seen.add(difat);
    for (let i = 0; i < perSector - 1; i += 1)
      fatSectors.push(view.getUint32(sectorOffset(difat) + i * 4, true));
    difat = view.getUint32(sectorOffset(difat) + (perSector - 1) * 4, true);
  }
  // A valid file lists its FAT sectors first and marks the rest free; a damaged one is read up to the first bad one.
  const firstBad = fatSectors.findIndex((sector) => sector >= sectorCount);
  const usable = firstBad < 0 ? fatSectors : fatSectors.slice(0, firstBad);
  const fat = new Uint32Array(usable.length * perSector);
  for (const [index, sector] of usable.entries()) {
    for (let i = 0; i < perSector; i += 1)
      fat[index * perSector + i] = view.getUint32(sectorOffset(sector) + i * 4, true);
  }
  return fat;
}

// An entry: its name in UTF-16LE (64 bytes), the name's byte length with the terminator, then its type (0 = unused).
function directoryEntryName(view: DataView, entry: number): string | undefined {
  const nameBytes = view.getUint16(entry + 0x40, true);
  if (view.getUint8(entry + 0x42) === 0 || nameBytes < 2 || nameBytes > 64) return undefined;
  let name = '';
  for (let i = 0; i < nameBytes - 2; i += 2) name += String.fromCharCode(view.getUint16(entry + i, true));
  return name;
}
