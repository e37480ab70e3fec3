// Preloaded (node --require, or NODE_OPTIONS=--require) into a process whose history volume should behave like
// Function Compute's OSS mount (ossfs) where correctness is concerned. ossfs cannot create a name atomically:
// an exclusive create (O_EXCL) looks the name up and, finding nothing, uploads the file; two instances doing that
// at once both succeed and the later upload silently replaces the earlier. Settings, read at start:
//   OSS_MOUNT_DIR               the emulated mount (default: HISTORY_DIR)
//   OSS_MOUNT_CREATE_DELAY_MS   time between an exclusive create's lookup and its upload (default 0)
//   OSS_MOUNT_WRITE_DELAY_MS    time every write is in flight before it lands: until then readers see the old
//                               content, or no file (default 0)
// Only writeFile (node:fs/promises and node:fs) is changed, below OSS_MOUNT_DIR; everything else is the local disk. Each process
// that loads this leaves `.oss-mount-emulated-<pid>` in the mount's root, so a test can check it is in effect.
const fsp = require('node:fs/promises');
const { constants } = require('node:fs');
const path = require('node:path');
const { syncBuiltinESMExports } = require('node:module');

const rootSetting = process.env.OSS_MOUNT_DIR || process.env.HISTORY_DIR;
const root = rootSetting ? path.resolve(rootSetting) : undefined;
const createDelayMs = Number(process.env.OSS_MOUNT_CREATE_DELAY_MS || 0);
const writeDelayMs = Number(process.env.OSS_MOUNT_WRITE_DELAY_MS || 0);
const realWriteFile = fsp.writeFile;

function onMount(target) {
  if (root === undefined || (typeof target !== 'string' && !(target instanceof URL))) return false;
  const resolved = path.resolve(target instanceof URL ? target.pathname : target);
  return resolved === root || resolved.startsWith(root + path.sep);
}

function isExclusive(flag) {
  if (typeof flag === 'number') return (flag & constants.O_EXCL) !== 0;
  return typeof flag === 'string' && flag.includes('x');
}

function withoutExclusive(flag) {
  return typeof flag === 'number' ? flag & ~constants.O_EXCL : flag.replace('x', '');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

fsp.writeFile = async function ossWriteFile(target, data, options) {
  if (!onMount(target)) return realWriteFile.call(this, target, data, options);
  const flag = typeof options === 'object' && options !== null ? options.flag : undefined;
  if (isExclusive(flag)) {
    try {
      await fsp.lstat(target);
      throw Object.assign(new Error(`EEXIST: file already exists, open '${target}'`), {
        code: 'EEXIST',
        syscall: 'open',
        path: String(target),
        errno: -17,
      });
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
    }
    await sleep(createDelayMs);
    options = { ...options, flag: withoutExclusive(flag) };
  }
  await sleep(writeDelayMs);
  return realWriteFile.call(this, target, data, options);
};
// The callback form too (the reply's volume uses it): on the mount it goes through the emulation above.
const fs = require('node:fs');
const realWriteFileCallback = fs.writeFile;
fs.writeFile = function ossWriteFileCallback(target, data, ...rest) {
  const callback = rest[rest.length - 1];
  if (typeof callback !== 'function' || !onMount(target))
    return realWriteFileCallback.call(this, target, data, ...rest);
  fsp.writeFile(target, data, rest.length > 1 ? rest[0] : undefined).then(
    () => callback(null),
    (error) => callback(error),
  );
};
syncBuiltinESMExports();
if (root !== undefined)
  require('node:fs').writeFileSync(path.join(root, `.oss-mount-emulated-${process.pid}`), '');
