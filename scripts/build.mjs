// Bundles each FC function into one self-contained CommonJS file: dist/<fn>/index.js exporting `handler`.
import { rmSync } from 'node:fs';
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

// Dependencies only some deployments need ship as their own files beside a bundle, and the bundle's lazy
// require() of them is pointed there, so the others never load or parse them: the FC 2.0 SDK (with ali-oss,
// urllib and iconv-lite, about 1 MB; only with REPLY_SERVICE_NAME), undici (about 400 KB; only with a proxy), the
// YAML parser (only for a YAML PROMPTS_FILE) and pop-core (only with MODERATION=aliyun).
const lazyChunks = {
  conversation: { '@alicloud/fc2': 'fc2.js' },
  reply: { undici: 'undici.js', yaml: 'yaml.js', '@alicloud/pop-core/lib/rpc': 'pop-core.js' },
};
const resolvePackage = createRequire(import.meta.url).resolve;
const lazyChunk = (fn) => ({
  name: 'lazy-chunks',
  setup(pluginBuild) {
    for (const [pkg, file] of Object.entries(lazyChunks[fn])) {
      const filter = new RegExp(`^${pkg.replace(/[/@]/g, '\\$&')}$`);
      pluginBuild.onResolve({ filter }, () => ({ path: `./${file}`, external: true }));
    }
  },
});
const chunkBuilds = Object.entries(lazyChunks).flatMap(([fn, chunks]) =>
  Object.entries(chunks).map(([pkg, file]) =>
    build({
      entryPoints: [resolvePackage(pkg)],
      outfile: join(staging, fn, file),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      legalComments: 'linked',
      external: optionalModules,
      logLevel: 'warning',
    }),
  ),
);

// A failed build leaves nothing behind.
process.on('exit', () => rmSync(staging, { recursive: true, force: true }));

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
      plugins: [lazyChunk(fn)],
      metafile: true,
      logLevel: 'warning',
    }),
  ),
);
await Promise.all(chunkBuilds);
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
