// A tab opened at History runs only what its first screen needs before the first thumbnails (issue 9): the
// contracts' zod schemas are not among it. Building them took ≈35–90 ms of the main thread on every load, so
// no module the entry reaches through static imports may import zod (type-only imports are erased; `import()`
// loads later). The schemas arrive with the other features, after the first screen.
//
// The import graph is esbuild's (the renderer bundled in memory, its metafile read): the same reading of
// TypeScript's type-only imports a bundler makes, without a hand-written parser.
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ENTRY = 'renderer/main.tsx';

let metafile: Metafile;
beforeAll(async () => {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [ENTRY],
    bundle: true,
    splitting: true,
    format: 'esm',
    outdir: 'out',
    write: false,
    metafile: true,
    logLevel: 'silent',
    loader: { '.css': 'empty', '.svg': 'empty', '.png': 'empty' },
  });
  metafile = result.metafile;
}, 60_000);

/** For each module importing `pkg` that the entry reaches through static imports: the chain back to the entry. */
function staticPathsTo(pkg: RegExp): string[] {
  const parent = new Map<string, string | null>([[ENTRY, null]]);
  const queue = [ENTRY];
  const found: string[] = [];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const imported of metafile.inputs[file]?.imports ?? []) {
      if (imported.kind !== 'import-statement') continue;
      if (pkg.test(imported.path)) {
        const chain: string[] = [];
        for (let at: string | null = file; at; at = parent.get(at) ?? null) chain.push(at);
        found.push(chain.join(' ← '));
      } else if (!parent.has(imported.path)) {
        parent.set(imported.path, file);
        queue.push(imported.path);
      }
    }
  }
  return [...new Set(found)];
}

const ZOD = /(^|\/)node_modules\/zod\//;

describe("History's first screen", () => {
  it('reaches no zod schema through static imports from the entry', () => {
    expect(staticPathsTo(ZOD)).toEqual([]);
  });

  it('the check sees zod where it is (the contracts, loaded later)', () => {
    expect(Object.keys(metafile.inputs).some((file) => ZOD.test(file))).toBe(true);
    expect(metafile.inputs['shared/history-contract.ts']?.imports.some((i) => ZOD.test(i.path))).toBe(true);
  });
});
