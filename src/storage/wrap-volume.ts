import type { Volume } from './volume';

/** A volume whose every operation runs through `around` (to count, delay or observe operations). */
export function wrapVolume(volume: Volume, around: <T>(run: () => Promise<T>) => Promise<T>): Volume {
  return {
    read: (path) => around(() => volume.read(path)),
    write: (path, data, options) => around(() => volume.write(path, data, options)),
    mark: (path) => around(() => volume.mark(path)),
    list: (path) => around(() => volume.list(path)),
    remove: (path) => around(() => volume.remove(path)),
    exists: (path) => around(() => volume.exists(path)),
    createExclusive: (path, data) => around(() => volume.createExclusive(path, data)),
    modifiedAt: (path) => around(() => volume.modifiedAt(path)),
  };
}
