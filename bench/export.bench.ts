// Export: 500 approved outputs × 3 sizes to WebP through the whole export (plan, worker-thread encoding, metadata,
// staging, renames, manifest) as a ratio to a raw sharp pipeline doing the same resizes in the same run. Both use
// both cores: the export through its two worker threads, the raw pipeline with as many encodes in flight.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { defaultThreads } from '../electron/core/export/pool';
import type { ExportPlan, ExportReport } from '../shared/export-contract';
import { scriptedAdapter, testCatalog, testProvider, testRoutes } from '../test/support/dispatch';
import { makeHarness } from '../test/support/harness';
import { type BenchRow, isMain, printTable } from './report';

const OUTPUTS = Number(process.env.ATELIER_BENCH_EXPORT_OUTPUTS ?? 500);
const SIDE = 1024;
const GOAL = 0.85;
const SIZES = [320, 640, 960];

/** A generated-looking image: a gradient with grain, different per index. */
async function image(i: number): Promise<Uint8Array> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIDE}" height="${SIDE}"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${(i * 37) % 360},70%,40%)"/><stop offset="1" stop-color="hsl(${(i * 91) % 360},80%,70%)"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/><circle cx="${(i * 131) % SIDE}" cy="${(i * 71) % SIDE}" r="180" fill="#fff" fill-opacity="0.5"/></svg>`;
  return new Uint8Array(await sharp(Buffer.from(svg)).png().toBuffer());
}

export async function benchExport(): Promise<BenchRow[]> {
  const images: Uint8Array[] = [];
  for (let i = 0; i < OUTPUTS; i++) images.push(await image(i));
  let next = 0;
  const adapter = scriptedAdapter('pa', [], { outcome: 'ok' });
  // Each run returns the next distinct image.
  const h = makeHarness({
    catalog: testCatalog(testProvider('pa', { seed: true })),
    routes: testRoutes([{ provider: 'pa' }]),
    adapters: {
      pa: {
        ...adapter,
        generate: async (call) => {
          const result = await adapter.generate(call);
          if (result.outcome === 'ok')
            result.images = [{ bytes: images[next++ % OUTPUTS]!, declaredMime: 'image/png' }];
          return result;
        },
      },
    },
    keys: ['pa'],
    extra: { sweep: false },
  });
  const out = mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-export-'));
  try {
    const outputIds: number[] = [];
    for (let i = 0; i < OUTPUTS; i++) {
      const run = await h.generate({ prompt: `bench image ${i}, a lighthouse at dusk`, seed: i + 1 });
      outputIds.push(run.outputs[0]!.id);
    }
    await h.call('review.decide', { outputIds, decision: { status: 'approved' } });
    const sources = outputIds.map((id, i) => ({ id, i }));
    const files = await Promise.all(
      sources.map(async ({ id }) => {
        const detail = await h.call<{ outputs: { id: number; path: string }[] }>('runs.get', {
          id: (
            await h.call<{ items: { outputId: number; runId: number }[] }>('export.items', {
              source: { kind: 'selection', outputIds: [id] },
            })
          ).items[0]!.runId,
        });
        return path.join(h.dataDir, detail.outputs[0]!.path);
      }),
    );

    const threads = defaultThreads();
    // The raw pipeline: the same three resizes of each image to WebP at the preset's quality, written to disk.
    const raw = async (dir: string) => {
      mkdirSync(dir, { recursive: true });
      const limit = pLimit(threads * 2);
      await Promise.all(
        files.map((file, i) =>
          limit(async () => {
            for (const width of SIZES) {
              await sharp(file)
                .rotate()
                .resize(width, null, { fit: 'inside', withoutEnlargement: true })
                .webp({ quality: 78 })
                .toFile(path.join(dir, `${i}-${width}.webp`));
            }
          }),
        ),
      );
    };
    const options = {
      source: { kind: 'approved' },
      presetIds: ['web-thumbnails'],
      allowMissingAltText: true,
    };
    const exportOnce = async (folder: string) => {
      const started = await h.call<ExportReport>('export.start', { ...options, folder });
      await h.core.exports.settled(started.id);
      const report = await h.call<ExportReport>('export.get', { id: started.id });
      if (report.state !== 'done' || report.written !== OUTPUTS * SIZES.length) {
        throw new Error(
          `export ended ${report.state} with ${report.written} files: ${report.error?.message ?? ''}`,
        );
      }
    };
    // Warm both (the worker threads start, the file cache fills), then alternate, keeping the best of two each.
    await raw(path.join(out, 'warm-raw'));
    await exportOnce(path.join(out, 'warm-export'));
    const rawMs: number[] = [];
    const exportMs: number[] = [];
    for (let round = 0; round < 2; round++) {
      let t = performance.now();
      await raw(path.join(out, `raw-${round}`));
      rawMs.push(performance.now() - t);
      t = performance.now();
      await exportOnce(path.join(out, `export-${round}`));
      exportMs.push(performance.now() - t);
    }
    const plan = await h.call<ExportPlan>('export.plan', { ...options, folder: path.join(out, 'plan') });
    const bestRaw = Math.min(...rawMs);
    const bestExport = Math.min(...exportMs);
    const ratio = bestRaw / bestExport;
    const n = OUTPUTS * SIZES.length;
    return [
      {
        name: `export: ${OUTPUTS} outputs × ${SIZES.length} sizes to WebP (${threads} worker threads)`,
        value: `${(bestExport / 1000).toFixed(2)} s (${((n / bestExport) * 1000).toFixed(0)} files/s)`,
      },
      {
        name: 'raw sharp pipeline, same resizes, same run',
        value: `${(bestRaw / 1000).toFixed(2)} s (${((n / bestRaw) * 1000).toFixed(0)} files/s)`,
      },
      {
        name: 'export speed as a ratio of raw sharp',
        value: ratio.toFixed(2),
        goal: `≥ ${GOAL}`,
        ok: ratio >= GOAL,
      },
      { name: 'dry run of the same export (plan)', value: `${plan.total} files listed` },
    ];
  } finally {
    await h.close();
    rmSync(out, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) printTable('Export', await benchExport());
