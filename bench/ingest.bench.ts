// Image ingest speed: verify + hash + atomic writes + thumbnail, against sharp doing only decode + thumbnail.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createMediaStore, DEFAULT_THUMB_SIZE } from '../electron/core/media';
import { THUMB_WEBP } from '../electron/core/media/store';
import { silentLogger } from '../electron/core/ports';
import { closeDatabase, createRunsRepo, openDatabase } from '../electron/core/store';
import type { GenerationRequest } from '../shared/domain';
import { type BenchRow, isMain, printTable } from './report';

const IMAGES = 40;
const SIDE = 1024;
const ROUNDS = 4;
const GOAL_RATIO = 0.8;

/** A provider-like PNG: smooth gradients, a soft blob and sensor-like noise, so zlib works as hard as on real output. */
export async function syntheticPng(seed: number): Promise<Buffer> {
  const raw = Buffer.alloc(SIDE * SIDE * 3);
  let state = (seed * 2654435761) >>> 0 || 1;
  const cx = (seed * 131) % SIDE;
  const cy = (seed * 197) % SIDE;
  for (let y = 0; y < SIDE; y += 1) {
    for (let x = 0; x < SIDE; x += 1) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      const noise = ((state >>> 0) % 17) - 8;
      const d = Math.hypot(x - cx, y - cy) / SIDE;
      const blob = Math.max(0, 1 - d * 3) * 90;
      const at = (y * SIDE + x) * 3;
      raw[at] = clamp((x / SIDE) * 200 + blob + noise + seed * 3);
      raw[at + 1] = clamp((y / SIDE) * 180 + 30 + noise);
      raw[at + 2] = clamp(((x + y) / (2 * SIDE)) * 160 + 60 - blob / 2 + noise);
    }
  }
  return sharp(raw, { raw: { width: SIDE, height: SIDE, channels: 3 } })
    .png()
    .toBuffer();
}

function clamp(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : Math.round(value);
}

const BENCH_REQUEST: GenerationRequest = {
  prompt: 'benchmark image',
  negativePrompt: '',
  aspectRatio: '1:1',
  seed: 1,
  count: 1,
  quality: 'final',
  taskType: 'default',
  fresh: false,
  provider: 'openai',
};

/** Runs `work` over every image with at most `parallel` in flight; answers images per second. */
async function throughput(
  images: Buffer[],
  parallel: number,
  work: (image: Buffer) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < images.length) {
        const image = images[next++]!;
        await work(image);
      }
    }),
  );
  return images.length / ((performance.now() - started) / 1000);
}

/** The baseline: what sharp must do anyway to prove the image decodes and to make its thumbnail. */
function rawThumbnail(image: Buffer): Promise<Buffer> {
  return sharp(image)
    .autoOrient()
    .resize(DEFAULT_THUMB_SIZE, DEFAULT_THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
    .webp(THUMB_WEBP)
    .toBuffer();
}

/** Not a product path: the same decode and thumbnail plus plain, non-atomic writes, to show what writing alone costs. */
async function plainWrites(images: Buffer[], parallel: number, dir: string): Promise<number> {
  await mkdir(dir, { recursive: true });
  let n = 0;
  return throughput(images, parallel, async (image) => {
    const id = ++n;
    const thumb = await rawThumbnail(image);
    await Promise.all([
      writeFile(path.join(dir, `${id}.png`), image),
      writeFile(path.join(dir, `${id}.webp`), thumb),
    ]);
  });
}

async function compare(
  images: Buffer[],
  parallel: number,
  scratch: string,
): Promise<{ raw: number; plain: number; ingest: number }> {
  let raw = 0;
  let plain = 0;
  let ingest = 0;
  // Best of alternating rounds. Each ingest goes into an empty library so dedupe never skips a write, and
  // nothing is deleted until the end: deletions (and the disk's discard) would land in later rounds' fsyncs.
  for (let round = 0; round < ROUNDS; round += 1) {
    raw = Math.max(raw, await throughput(images, parallel, rawThumbnail));
    const dataDir = path.join(scratch, `ingest-${parallel}-${round}`);
    const store = createMediaStore({ dataDir });
    mkdirSync(dataDir, { recursive: true });
    const db = openDatabase(path.join(dataDir, 'atelier.db'));
    const runs = createRunsRepo(db, silentLogger);
    // What the app does per image: verify, hash, write, thumbnail, then record the run in one transaction.
    ingest = Math.max(
      ingest,
      await throughput(images, parallel, async (image) => {
        const runId = runs.create({ request: BENCH_REQUEST, now: Date.now() });
        runs.markRunning(runId, { now: Date.now(), seed: 1, model: 'bench' });
        const output = await store.ingest(image);
        const attemptId = runs.recordAttempt(runId, {
          ordinal: 1,
          provider: 'bench',
          model: 'bench',
          requestSent: { prompt: BENCH_REQUEST.prompt },
          outcome: 'ok',
          httpStatus: 200,
          providerCode: null,
          providerMessage: null,
          retryAfterMs: null,
          warnings: [],
          startedAt: Date.now(),
          latencyMs: 1,
          costUsd: 0,
        });
        runs.complete(runId, { now: Date.now(), attemptId, costUsd: 0, outputs: [{ index: 0, ...output }] });
      }),
    );
    closeDatabase(db);
    plain = Math.max(
      plain,
      await plainWrites(images, parallel, path.join(scratch, `plain-${parallel}-${round}`)),
    );
  }
  return { raw, plain, ingest };
}

export async function benchIngest(): Promise<BenchRow[]> {
  const images: Buffer[] = [];
  for (let i = 0; i < IMAGES; i += 1) images.push(await syntheticPng(i + 1));
  const averageMb = images.reduce((sum, image) => sum + image.length, 0) / images.length / 1e6;

  // Without the operation cache the second pass cannot reuse the first one's decode.
  sharp.cache(false);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-ingest-'));
  try {
    await compare(images.slice(0, 4), 1, path.join(scratch, 'warm-up')); // Warm up libvips, the WebP encoder and the file system.
    const rows: BenchRow[] = [
      {
        name: 'images',
        value: `${IMAGES} PNG, ${SIDE}×${SIDE}, ${averageMb.toFixed(2)} MB average; ${os.availableParallelism()} CPUs`,
      },
    ];
    // One at a time is the per-image cost and carries the goal; 4 in flight shows a CPU-bound batch.
    for (const parallel of [1, 4]) {
      const where = parallel === 1 ? '1 at a time' : `${parallel} in flight`;
      const result = await compare(images, parallel, scratch);
      const ratio = result.ingest / result.raw;
      rows.push(
        { name: `raw decode + thumbnail, ${where}`, value: `${result.raw.toFixed(1)} images/s` },
        { name: `ingest + record, ${where}`, value: `${result.ingest.toFixed(1)} images/s` },
        parallel === 1
          ? {
              name: `(ingest + record) / raw, ${where}`,
              value: ratio.toFixed(2),
              goal: `≥ ${GOAL_RATIO}`,
              ok: ratio >= GOAL_RATIO,
            }
          : { name: `(ingest + record) / raw, ${where}`, value: ratio.toFixed(2) },
        {
          name: `floor: raw + plain writes, ${where}`,
          value: `${result.plain.toFixed(1)} images/s (ingest / floor ${(result.ingest / result.plain).toFixed(2)})`,
        },
      );
    }
    return rows;
  } finally {
    sharp.cache(true);
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) printTable('Image ingest', await benchIngest());
