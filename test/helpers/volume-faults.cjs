// Preloaded (NODE_OPTIONS=--require) into an emulated reply instance: makes the history volume (HISTORY_DIR) fail
// the way a broken OSS mount does, so the real built bundle meets EROFS, ENOSPC, ENOENT or EIO from node:fs.
// The fault is read from the file VOLUME_FAULT_FILE on every operation, so a test can change it between messages:
//   readonly: reads work, every write fails with EROFS
//   full:     reads work, a new file is created empty and its write fails with ENOSPC, mkdir fails with ENOSPC
//   missing:  the mount is not there: reads find nothing (ENOENT), writes fail with EROFS (read-only root file system)
//   eio:      everything fails with EIO
//   (anything else, or no file): no fault
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const path = require('node:path');

const root = path.resolve(process.env.HISTORY_DIR || '/nonexistent');
const control = process.env.VOLUME_FAULT_FILE;
const original = { ...fsp };

function currentFault() {
  try {
    return fs.readFileSync(control, 'utf8').trim();
  } catch {
    return '';
  }
}

function onVolume(target) {
  if (typeof target !== 'string' && !(target instanceof URL)) return false;
  const resolved = path.resolve(String(target instanceof URL ? target.pathname : target));
  return resolved === root || resolved.startsWith(root + path.sep);
}

function fail(code, syscall, target) {
  const error = new Error(`${code}: injected volume fault, ${syscall} '${target}'`);
  return Object.assign(error, { code, syscall, path: String(target), errno: -1 });
}

const WRITES = new Set([
  'writeFile',
  'appendFile',
  'mkdir',
  'rm',
  'rmdir',
  'unlink',
  'rename',
  'utimes',
  'symlink',
]);
const READS = new Set(['readFile', 'readdir', 'stat', 'lstat', 'access', 'opendir']);

function isWriteOpen(flags) {
  if (typeof flags === 'number') return (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR)) !== 0;
  return typeof flags === 'string' && /[wa+]/.test(flags);
}

for (const name of [...WRITES, ...READS, 'open']) {
  const real = original[name];
  if (typeof real !== 'function') continue;
  fsp[name] = async function faulty(target, ...rest) {
    const fault = onVolume(target) ? currentFault() : '';
    if (!fault) return real.call(this, target, ...rest);
    const writing = WRITES.has(name) || (name === 'open' && isWriteOpen(rest[0]));
    if (fault === 'eio') throw fail('EIO', name, target);
    if (fault === 'readonly' && writing) throw fail('EROFS', name, target);
    if (fault === 'missing') throw fail(writing ? 'EROFS' : 'ENOENT', name, target);
    if (fault === 'full' && writing) {
      if (name === 'mkdir' && fs.existsSync(target)) return real.call(this, target, ...rest);
      if (name === 'writeFile' || name === 'appendFile') {
        // Like a real full disk: the name is created, the data does not fit.
        const options = rest[1];
        const flag = typeof options === 'object' && options !== null ? options.flag : undefined;
        await original.writeFile(target, '', flag === undefined ? undefined : { flag });
      }
      if (name !== 'unlink' && name !== 'rm' && name !== 'rmdir') throw fail('ENOSPC', name, target);
    }
    return real.call(this, target, ...rest);
  };
}

// The callback functions too (the reply's volume uses them): on the volume they go through the faulty promise
// versions above, so both APIs fail alike. Callback open hands out a descriptor, not a FileHandle: it fails as
// the promise version would, or opens for real (on a full volume the name is created; writes to it then fail).
const realOpen = fs.open;
fs.open = function faultyOpen(target, flags, ...rest) {
  const callback = rest[rest.length - 1];
  const fault = typeof callback === 'function' && onVolume(target) ? currentFault() : '';
  const writing = isWriteOpen(flags);
  const code =
    fault === 'eio'
      ? 'EIO'
      : fault === 'missing'
        ? writing
          ? 'EROFS'
          : 'ENOENT'
        : fault === 'readonly' && writing
          ? 'EROFS'
          : undefined;
  if (code === undefined) return realOpen.call(this, target, flags, ...rest);
  process.nextTick(callback, fail(code, 'open', target));
};

for (const name of [...WRITES, ...READS]) {
  const realCallback = fs[name];
  if (typeof realCallback !== 'function' || typeof fsp[name] !== 'function') continue;
  fs[name] = function faultyCallback(target, ...rest) {
    const callback = rest[rest.length - 1];
    if (typeof callback !== 'function' || !onVolume(target)) return realCallback.call(this, target, ...rest);
    fsp[name](target, ...rest.slice(0, -1)).then(
      (value) => callback(null, value),
      (error) => callback(error),
    );
  };
}
