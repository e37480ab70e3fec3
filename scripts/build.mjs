// Bundles each FC function into one self-contained CommonJS file: dist/<fn>/index.js exporting `handler`.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const functions = ['conversation', 'reply'];
const staging = join(root, 'dist', `.staging-${process.pid}`);

// Optional modules some SDKs require() inside try/catch and that are not installed. Only these may stay external:
// FC's code directory has no node_modules, so anything else left external would fail to load there.
const optionalModules = ['proxy-agent', 'pac-proxy-agent', 'bufferutil', 'utf-8-validate'];

// The FC 2.0 SDK (with ali-oss, urllib, iconv-lite: about 1 MB) is only needed when REPLY_SERVICE_NAME is set.
// It ships as its own file beside the conversation bundle, and the bundle's lazy require('@alicloud/fc2') is
// pointed at it, so FC 3.0 deployments never load or parse it.
const lazyFc2 = {
  name: 'lazy-fc2',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^@alicloud\/fc2$/ }, () => ({ path: './fc2.js', external: true }));
  },
};
const fc2Chunk = build({
  entryPoints: [createRequire(import.meta.url).resolve('@alicloud/fc2')],
  outfile: join(staging, 'conversation', 'fc2.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  legalComments: 'linked',
  external: optionalModules,
  logLevel: 'warning',
});

const results = await Promise.all(
  functions.map((fn) =>
    build({
      entryPoints: [join(root, 'functions', fn, 'index.ts')],
      outfile: join(staging, fn, 'index.js'),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      sourcemap: 'linked',
      sourcesContent: false,
      legalComments: 'linked',
      external: optionalModules,
      plugins: fn === 'conversation' ? [lazyFc2] : [],
      metafile: true,
      logLevel: 'warning',
    }),
  ),
);
await fc2Chunk;
// Swap each finished bundle in with renames, so a running test or playground never loads a half-written one.
await mkdir(join(root, 'dist'), { recursive: true });
for (const fn of functions) {
  const target = join(root, 'dist', fn);
  const old = join(staging, `${fn}.old`);
  await rename(target, old).catch(() => {});
  await rename(join(staging, fn), target);
}
await rm(staging, { recursive: true, force: true });
// The repository's package.json has no "type", but a local harness may load the bundles from elsewhere.
await writeFile(join(root, 'dist', 'package.json'), '{ "type": "commonjs" }\n');
for (const [index, result] of results.entries()) {
  const bytes = Object.values(result.metafile.outputs).reduce(
    (sum, output) => sum + (output.entryPoint ? output.bytes : 0),
    0,
  );
  console.log(`dist/${functions[index]}/index.js ${(bytes / 1024).toFixed(0)} KB`);
}
