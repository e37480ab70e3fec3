import { createHash } from 'node:crypto';
import { writeCompoundFile } from './compound-file-writer';

/** Bytes that look random but are the same on every run: a SHA-256 chain. */
function pseudoRandom(length: number, seed: string): Uint8Array {
  const blocks: Buffer[] = [];
  let block = createHash('sha256').update(seed).digest();
  for (let total = 0; total < length; total += block.length) {
    blocks.push(block);
    block = createHash('sha256').update(block).digest();
  }
  return new Uint8Array(Buffer.concat(blocks).subarray(0, length));
}

function padded(bytes: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(Math.max(length, bytes.length));
  out.set(bytes);
  return out;
}

/**
 * A password-protected docx as Office saves it: a compound file whose EncryptionInfo stream describes the
 * (agile) encryption and whose EncryptedPackage stream holds the encrypted zip. Here the package is random bytes;
 * nothing but the two streams' presence tells a reader the file is encrypted.
 */
export function encryptedDocx(): Uint8Array {
  const descriptor = Buffer.from(
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption"><keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/></encryption>',
  );
  // Version 4.4 (agile), flags 0x40, then the XML descriptor.
  const info = Buffer.concat([Buffer.from([4, 0, 4, 0, 0x40, 0, 0, 0]), descriptor]);
  return writeCompoundFile([
    { name: 'EncryptionInfo', data: padded(info, 4096) },
    { name: 'EncryptedPackage', data: pseudoRandom(8192, 'encrypted package') },
  ]);
}

/** An old binary Word file: a compound file with a WordDocument stream (starting with its FIB's magic). */
export function legacyDoc(): Uint8Array {
  return writeCompoundFile([
    { name: 'WordDocument', data: padded(new Uint8Array([0xec, 0xa5, 0xc1, 0x00]), 4096) },
    { name: '1Table', data: new Uint8Array(4096) },
  ]);
}
