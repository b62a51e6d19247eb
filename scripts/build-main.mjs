// Bundles the main process, the preload and the browser-mode server with esbuild.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const native = ['electron', 'better-sqlite3', 'sharp'];
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
  build({
    ...common,
    entryPoints: ['electron/preload.ts'],
    outfile: 'dist-electron/preload.cjs',
    format: 'cjs',
  }),
]);
