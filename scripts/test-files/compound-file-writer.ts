// A minimal Compound File Binary ([MS-CFB], version 3, 512-byte sectors): one FAT sector, one directory sector,
// then the streams. Streams of 4096 bytes or more live in regular sectors, so no mini stream is needed.
const SECTOR = 512;
const FREE = 0xffffffff;
const END_OF_CHAIN = 0xfffffffe;
const FAT_SECTOR = 0xfffffffd;
const NO_STREAM = 0xffffffff;
const MIN_STREAM_BYTES = 4096;

/** A compound file holding `streams` (each at least 4096 bytes; at most three) under its root. */
export function writeCompoundFile(streams: Array<{ name: string; data: Uint8Array }>): Uint8Array {
  if (streams.length > 3 || streams.some((stream) => stream.data.length < MIN_STREAM_BYTES)) {
    throw new Error('this writer takes at most three streams of at least 4096 bytes');
  }
  const sectorsOf = (stream: { data: Uint8Array }) => Math.ceil(stream.data.length / SECTOR);
  const totalSectors = 2 + streams.reduce((sum, stream) => sum + sectorsOf(stream), 0);
  const file = Buffer.alloc(SECTOR * (1 + totalSectors));
  writeHeader(file);
  const fat = new Uint32Array(SECTOR / 4).fill(FREE);
  fat[0] = FAT_SECTOR;
  fat[1] = END_OF_CHAIN;
  let next = 2;
  const starts: number[] = [];
  for (const stream of streams) {
    starts.push(next);
    const count = sectorsOf(stream);
    for (let i = 0; i < count; i += 1) fat[next + i] = i === count - 1 ? END_OF_CHAIN : next + i + 1;
    Buffer.from(stream.data).copy(file, SECTOR * (1 + next));
    next += count;
  }
  Buffer.from(fat.buffer).copy(file, SECTOR);
  const directory = SECTOR * 2;
  // The root's child is the first stream; the others follow as right siblings.
  writeEntry(file, directory, { name: 'Root Entry', type: 5, child: streams.length ? 1 : NO_STREAM });
  for (const [i, stream] of streams.entries()) {
    writeEntry(file, directory + 128 * (i + 1), {
      name: stream.name,
      type: 2,
      right: i + 1 < streams.length ? i + 2 : NO_STREAM,
      start: starts[i] ?? END_OF_CHAIN,
      size: stream.data.length,
    });
  }
  return new Uint8Array(file);
}

function writeHeader(file: Buffer): void {
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(file, 0);
  file.writeUInt16LE(0x003e, 0x18); // minor version
  file.writeUInt16LE(3, 0x1a); // major version
  file.writeUInt16LE(0xfffe, 0x1c); // byte order mark
  file.writeUInt16LE(9, 0x1e); // sector size 2^9
  file.writeUInt16LE(6, 0x20); // mini sector size 2^6
  file.writeUInt32LE(1, 0x2c); // FAT sectors
  file.writeUInt32LE(1, 0x30); // first directory sector
  file.writeUInt32LE(MIN_STREAM_BYTES, 0x38); // mini stream cutoff
  file.writeUInt32LE(END_OF_CHAIN, 0x3c); // first mini FAT sector
  file.writeUInt32LE(END_OF_CHAIN, 0x44); // first DIFAT sector
  for (let i = 0; i < 109; i += 1) file.writeUInt32LE(i === 0 ? 0 : FREE, 0x4c + i * 4);
}

function writeEntry(
  file: Buffer,
  at: number,
  entry: { name: string; type: number; child?: number; right?: number; start?: number; size?: number },
): void {
  const name = Buffer.from(`${entry.name}\u0000`, 'utf16le');
  name.copy(file, at);
  file.writeUInt16LE(name.length, at + 0x40);
  file.writeUInt8(entry.type, at + 0x42);
  file.writeUInt8(1, at + 0x43); // black
  file.writeUInt32LE(NO_STREAM, at + 0x44); // left sibling
  file.writeUInt32LE(entry.right ?? NO_STREAM, at + 0x48);
  file.writeUInt32LE(entry.child ?? NO_STREAM, at + 0x4c);
  file.writeUInt32LE(entry.start ?? END_OF_CHAIN, at + 0x74);
  file.writeUInt32LE(entry.size ?? 0, at + 0x78);
}
