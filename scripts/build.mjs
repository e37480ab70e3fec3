// Bundles each FC function into one self-contained CommonJS file: dist/<fn>/index.js exporting `handler`.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const functions = ['conversation', 'reply'];

// Optional modules some SDKs require() inside try/catch; they are never installed, so esbuild must not resolve them.
const optionalModules = [
  'proxy-agent',
  'pac-proxy-agent',
  'socks-proxy-agent',
  'bufferutil',
  'utf-8-validate',
];

await rm(join(root, 'dist', 'conversation'), { recursive: true, force: true });
await rm(join(root, 'dist', 'reply'), { recursive: true, force: true });
const results = await Promise.all(
  functions.map((fn) =>
    build({
      entryPoints: [join(root, 'functions', fn, 'index.ts')],
      outfile: join(root, 'dist', fn, 'index.js'),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      sourcemap: 'linked',
      sourcesContent: false,
      legalComments: 'linked',
      external: optionalModules,
      metafile: true,
      logLevel: 'warning',
    }),
  ),
);
// The repository's package.json has no "type", but a local harness may load the bundles from elsewhere.
await mkdir(join(root, 'dist'), { recursive: true });
await writeFile(join(root, 'dist', 'package.json'), '{ "type": "commonjs" }\n');
for (const [index, result] of results.entries()) {
  const bytes = Object.values(result.metafile.outputs).reduce(
    (sum, output) => sum + (output.entryPoint ? output.bytes : 0),
    0,
  );
  console.log(`dist/${functions[index]}/index.js ${(bytes / 1024).toFixed(0)} KB`);
}
