import { createHash } from 'node:crypto';
import type { EncryptStream } from './pdf-writer';

// The standard security handler, revision 3 (RC4, 128-bit key), as PDF 32000-1, 7.6.3 describes it.
const PADDING = Buffer.from('28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a', 'hex');
const KEY_BYTES = 16;
// All permissions; the high bits must be set.
const PERMISSIONS = -4;

export interface PdfEncryption {
  /** The /Encrypt dictionary. */
  dictionary: string;
  /** The trailer's /ID entry: the key depends on its first string. */
  trailerId: string;
  encryptStream: EncryptStream;
}

/** What a PDF needs to be readable only with `userPassword` (owner password `ownerPassword`). */
export function standardEncryption(
  userPassword: string,
  ownerPassword: string,
  fileId: Buffer,
): PdfEncryption {
  const owner = ownerEntry(userPassword, ownerPassword);
  const key = fileKey(userPassword, owner, fileId);
  const user = userEntry(key, fileId);
  return {
    dictionary: `<< /Filter /Standard /V 2 /R 3 /Length 128 /P ${PERMISSIONS} /O <${owner.toString('hex')}> /U <${user.toString('hex')}> >>`,
    trailerId: `/ID [<${fileId.toString('hex')}> <${fileId.toString('hex')}>]`,
    encryptStream: (objectNumber, data) => rc4(objectKey(key, objectNumber), data),
  };
}

function padded(password: string): Buffer {
  return Buffer.concat([Buffer.from(password, 'latin1'), PADDING]).subarray(0, 32);
}

function md5(...parts: Buffer[]): Buffer {
  const hash = createHash('md5');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** Algorithm 3: the /O entry. */
function ownerEntry(userPassword: string, ownerPassword: string): Buffer {
  let hash = md5(padded(ownerPassword));
  for (let i = 0; i < 50; i += 1) hash = md5(hash);
  return rc4Rounds(hash.subarray(0, KEY_BYTES), padded(userPassword));
}

/** Algorithm 2: the file's encryption key. */
function fileKey(userPassword: string, owner: Buffer, fileId: Buffer): Buffer {
  const permissions = Buffer.alloc(4);
  permissions.writeInt32LE(PERMISSIONS);
  let hash = md5(padded(userPassword), owner, permissions, fileId);
  for (let i = 0; i < 50; i += 1) hash = md5(hash.subarray(0, KEY_BYTES));
  return hash.subarray(0, KEY_BYTES);
}

/** Algorithm 5: the /U entry (16 bytes that prove the key, then 16 arbitrary ones). */
function userEntry(key: Buffer, fileId: Buffer): Buffer {
  return Buffer.concat([rc4Rounds(key, md5(PADDING, fileId)), Buffer.alloc(16)]);
}

/** RC4 with the key, then 19 more times with the key's bytes XOR-ed with the round number. */
function rc4Rounds(key: Buffer, data: Buffer): Buffer {
  let result = rc4(key, data);
  for (let round = 1; round <= 19; round += 1)
    result = rc4(
      key.map((byte) => byte ^ round),
      result,
    );
  return result;
}

/** Algorithm 1: an object's key, from the file key and the object's number (generation 0). */
function objectKey(key: Buffer, objectNumber: number): Buffer {
  const suffix = Buffer.from([
    objectNumber & 0xff,
    (objectNumber >> 8) & 0xff,
    (objectNumber >> 16) & 0xff,
    0,
    0,
  ]);
  return md5(key, suffix).subarray(0, Math.min(key.length + 5, 16));
}

function rc4(key: Uint8Array, data: Uint8Array): Buffer {
  const state = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i += 1) {
    j = (j + (state[i] ?? 0) + (key[i % key.length] ?? 0)) & 0xff;
    [state[i], state[j]] = [state[j] ?? 0, state[i] ?? 0];
  }
  const out = Buffer.alloc(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n += 1) {
    i = (i + 1) & 0xff;
    j = (j + (state[i] ?? 0)) & 0xff;
    [state[i], state[j]] = [state[j] ?? 0, state[i] ?? 0];
    out[n] = (data[n] ?? 0) ^ (state[((state[i] ?? 0) + (state[j] ?? 0)) & 0xff] ?? 0);
  }
  return out;
}
