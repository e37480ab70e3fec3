import { accessSync, constants, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** Where a benchmark's history volume is made: in memory (tmpfs) or on the machine's disk (the OS temp folder). */
export type VolumePlace = 'memory' | 'disk';

const SHARED_MEMORY = '/dev/shm';
// statfs(2) f_type values of the file systems a Linux temp folder is usually on.
const FILE_SYSTEMS = new Map([
  [0x01021994, 'tmpfs'],
  [0xef53, 'ext4'],
  [0x58465342, 'xfs'],
  [0x9123683e, 'btrfs'],
  [0x794c7630, 'overlayfs'],
]);

/**
 * The folder a history volume is made in. In memory where the machine has a writable tmpfs at /dev/shm (else the
 * disk): FC's volume is an OSS mount, and a local disk's own costs would be measured instead — on an ext4 mounted
 * without a journal, as on the machines these figures were first taken on, every new file or folder also scans
 * the inodes deleted in the last minutes (the kernel's recently_deleted check), so a figure taken there depends
 * on what ran before it.
 */
export function volumeParent(place: VolumePlace): string {
  if (place === 'memory' && isWritableTmpfs(SHARED_MEMORY)) return SHARED_MEMORY;
  return tmpdir();
}

/** `<folder> (<file system>)`, for results.json. */
export function describeVolumeParent(place: VolumePlace): string {
  const folder = volumeParent(place);
  return `${folder} (${fileSystemOf(folder)})`;
}

function isWritableTmpfs(folder: string): boolean {
  try {
    accessSync(folder, constants.W_OK);
    return fileSystemOf(folder) === 'tmpfs';
  } catch {
    return false;
  }
}

function fileSystemOf(folder: string): string {
  try {
    const { type } = statfsSync(folder);
    return FILE_SYSTEMS.get(type) ?? `file system type 0x${type.toString(16)}`;
  } catch {
    return 'unknown file system';
  }
}
