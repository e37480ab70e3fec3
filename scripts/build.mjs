// Bundles each FC function into one self-contained CommonJS file: dist/<fn>/index.js exporting `handler`.
import { rmSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
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
// YAML parser (only for a YAML PROMPTS_FILE) and pop-core (only with MODERATION=aliyun). The same goes for our own
// modules only some messages need, named by their path from the repository root: the file extractors (with
// fflate) load at the first file, and the pdf.js they import() at the first PDF.
const lazyChunks = {
  conversation: { '@alicloud/fc2': 'fc2.js' },
  reply: {
    undici: 'undici.js',
    yaml: 'yaml.js',
    '@alicloud/pop-core/lib/rpc': 'pop-core.js',
    './src/files/extract/extract-text.ts': 'files.js',
    'pdfjs-dist/legacy/build/pdf.mjs': 'pdf.js',
    'pdfjs-dist/legacy/build/pdf.worker.mjs': 'pdf-worker.js',
  },
};
// Folders of packages shipped beside a bundle, as [package, its folder, target]: pdf.js reads the character maps
// of non-embedded CJK fonts from pdf-cmaps/.
const copiedDirectories = { reply: [['pdfjs-dist', 'cmaps', 'pdf-cmaps']] };

const resolvePackage = createRequire(import.meta.url).resolve;
const isLocal = (source) => source.startsWith('./');
const resolveSource = (source) => (isLocal(source) ? join(root, source) : resolvePackage(source));
const lazyChunk = (fn) => ({
  name: 'lazy-chunks',
  setup(pluginBuild) {
    const local = new Map();
    for (const [source, file] of Object.entries(lazyChunks[fn])) {
      if (isLocal(source)) {
        local.set(join(root, source).replace(/\.ts$/, ''), file);
        continue;
      }
      const filter = new RegExp(`^${source.replace(/[/@.]/g, '\\$&')}$`);
      pluginBuild.onResolve({ filter }, () => ({ path: `./${file}`, external: true }));
    }
    // Our own modules are matched by the file a relative import names (written without its extension).
    pluginBuild.onResolve({ filter: /^\./ }, (args) => {
      const file = local.get(join(args.resolveDir, args.path).replace(/\.ts$/, ''));
      return file && args.kind !== 'entry-point' ? { path: `./${file}`, external: true } : undefined;
    });
  },
});
// pdf.js warns on the console as it loads (no canvas package, no DOMMatrix: nothing text extraction needs),
// before any document could set its verbosity; the chunks start at errors-only instead.
const quietPdfjs = {
  name: 'quiet-pdfjs',
  setup(pluginBuild) {
    pluginBuild.onLoad(
      { filter: /pdfjs-dist[\\/]legacy[\\/]build[\\/]pdf(\.worker)?\.mjs$/ },
      async (args) => {
        const source = await readFile(args.path, 'utf8');
        const initial = 'let verbosity = VerbosityLevel.WARNINGS;';
        if (!source.includes(initial))
          throw new Error(`${args.path}: pdf.js changed; review the quiet-pdfjs plugin`);
        return { contents: source.replace(initial, 'let verbosity = VerbosityLevel.ERRORS;'), loader: 'js' };
      },
    );
  },
};
const chunkBuilds = Object.entries(lazyChunks).flatMap(([fn, chunks]) =>
  Object.entries(chunks).map(([source, file]) =>
    build({
      entryPoints: [resolveSource(source)],
      outfile: join(staging, fn, file),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      legalComments: 'linked',
      external: optionalModules,
      plugins: [lazyChunk(fn), quietPdfjs],
      logLevel: 'warning',
    }),
  ),
);
const directoryCopies = Object.entries(copiedDirectories).flatMap(([fn, copies]) =>
  copies.map(([pkg, folder, target]) =>
    cp(join(dirname(resolvePackage(`${pkg}/package.json`)), folder), join(staging, fn, target), {
      recursive: true,
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
await Promise.all([...chunkBuilds, ...directoryCopies]);
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
