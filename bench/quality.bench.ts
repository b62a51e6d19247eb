// The quality gate: every non-model check on one 1024×1024 output (each step's share), ingest throughput
// while checks run on a worker in the background against ingest alone, and near-duplicate lookup at 200,000
// hashes. The NSFW and OCR models come through the seam (electron/core/quality/models.ts) and are measured
// where dist-electron/quality-models.mjs is built.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createMediaStore } from '../electron/core/media';
import { judge } from '../electron/core/quality/judge';
import { createMeasure, modelsFromModule, unavailableModels } from '../electron/core/quality/measure';
import { PhashIndex } from '../electron/core/quality/phash-index';
import { createWorkerPool } from '../electron/core/quality/pool';
import { DEFAULT_QUALITY_SETTINGS } from '../shared/quality-contract';
import { syntheticPng } from './ingest.bench';
import { type BenchRow, isMain, percentile, printTable } from './report';

const SAMPLES = 30;
const INGEST_IMAGES = 24;
const HASHES = 200_000;
const LOOKUPS = 2_000;
const MODELS = path.resolve(import.meta.dirname, '..', 'dist-electron', 'quality-models.mjs');

async function checksOnOne(image: Buffer, withModels: boolean): Promise<BenchRow[]> {
  const models = withModels
    ? modelsFromModule(`file://${MODELS}`, { threads: 1 })
    : unavailableModels('bench');
  const measure = createMeasure(models);
  const index = new PhashIndex();
  const wants = { nsfw: withModels, ocr: withModels };
  const run = async () => {
    const facts = await measure(image, wants);
    const started = performance.now();
    judge({
      outputId: 1,
      runId: 1,
      facts,
      checks: new Set(['size', 'blank', 'duplicate', ...(withModels ? (['nsfw', 'text'] as const) : [])]),
      settings: DEFAULT_QUALITY_SETTINGS,
      requested: { size: null, aspectRatio: '1:1' },
      snapped: { width: 1024, height: 1024 },
      expectedText: withModels ? ['OPEN 24/7'] : [],
      index,
      now: 0,
    });
    return { ...facts.timings, judge: performance.now() - started };
  };
  const loadStarted = performance.now();
  await run(); // Warm up (and load the models once).
  const firstMs = performance.now() - loadStarted;
  const totals: number[] = [];
  const steps: Record<string, number[]> = {};
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    const timings = await run();
    totals.push(performance.now() - started);
    for (const [step, ms] of Object.entries(timings)) {
      steps[step] ??= [];
      steps[step].push(ms);
    }
  }
  totals.sort((a, b) => a - b);
  const p50 = percentile(totals, 50);
  const what = withModels ? 'all checks incl. NSFW and OCR' : 'size + blank + near-duplicate';
  const rows: BenchRow[] = [
    {
      name: `${what}, one 1024×1024 PNG, p50`,
      value: `${p50.toFixed(1)} ms`,
      goal: '≤ 300 ms (all checks)',
      ok: p50 <= 300,
    },
  ];
  for (const [step, samples] of Object.entries(steps)) {
    samples.sort((a, b) => a - b);
    const median = percentile(samples, 50);
    rows.push({ name: `  ${step}`, value: `${median.toFixed(1)} ms (${Math.round((median / p50) * 100)}%)` });
  }
  if (withModels) rows.push({ name: '  first run incl. model load', value: `${firstMs.toFixed(0)} ms` });
  await models.dispose();
  return rows;
}

async function ingestThroughput(images: Buffer[], scratch: string): Promise<BenchRow[]> {
  const pool = createWorkerPool({
    script: new URL('../electron/core/quality/worker.ts', import.meta.url),
    size: 1,
    data: { modelsModule: existsSync(MODELS) ? `file://${MODELS}` : null },
    execArgv: ['--import', 'tsx'],
  });
  const ingestAll = async (dir: string, background: boolean) => {
    mkdirSync(dir, { recursive: true });
    const store = createMediaStore({ dataDir: dir });
    const pending: Promise<unknown>[] = [];
    const started = performance.now();
    for (const image of images) {
      const output = await store.ingest(image);
      if (background) pending.push(pool.measure(path.join(dir, output.path), { nsfw: true, ocr: false }));
    }
    const rate = images.length / ((performance.now() - started) / 1000);
    await Promise.all(pending);
    return rate;
  };
  try {
    await pool.measure(await writeOne(images[0]!, scratch), { nsfw: false, ocr: false }); // Start the worker.
    let alone = 0;
    let withChecks = 0;
    for (let round = 0; round < 3; round++) {
      alone = Math.max(alone, await ingestAll(path.join(scratch, `alone-${round}`), false));
      withChecks = Math.max(withChecks, await ingestAll(path.join(scratch, `checked-${round}`), true));
    }
    const ratio = withChecks / alone;
    return [
      { name: `ingest alone, ${INGEST_IMAGES} PNG 1024×1024`, value: `${alone.toFixed(1)} images/s` },
      { name: 'ingest with checks on 1 worker in background', value: `${withChecks.toFixed(1)} images/s` },
      {
        name: '(ingest with checks) / (ingest alone)',
        value: ratio.toFixed(2),
        goal: '≥ 0.7',
        ok: ratio >= 0.7,
      },
    ];
  } finally {
    await pool.close();
  }
}

async function writeOne(image: Buffer, scratch: string): Promise<string> {
  const file = path.join(scratch, 'warm.png');
  await sharp(image).toFile(file);
  return file;
}

function lookups(): BenchRow[] {
  const index = new PhashIndex();
  let x = 2463534242;
  const rand32 = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0).toString(16).padStart(8, '0');
  };
  const started = performance.now();
  const stored: string[] = [];
  for (let i = 0; i < HASHES; i++) {
    const hex = rand32() + rand32();
    stored.push(hex);
    index.put({ kind: 'output', id: i, runId: i }, hex);
  }
  const buildMs = performance.now() - started;
  const times: number[] = [];
  for (let i = 0; i < LOOKUPS; i++) {
    // Half near a stored hash (a few bits flipped), half anywhere.
    const query = i % 2 === 0 ? flip(stored[(i * 97) % HASHES]!, i) : rand32() + rand32();
    const t = performance.now();
    index.nearest(query, DEFAULT_QUALITY_SETTINGS.duplicateMaxDistance);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const p95 = percentile(times, 95);
  return [
    { name: `index of ${HASHES.toLocaleString('en')} hashes, built`, value: `${buildMs.toFixed(0)} ms` },
    { name: 'near-duplicate lookup p50', value: `${percentile(times, 50).toFixed(3)} ms` },
    { name: 'near-duplicate lookup p95', value: `${p95.toFixed(3)} ms`, goal: '≤ 5 ms', ok: p95 <= 5 },
  ];
}

function flip(hex: string, seed: number): string {
  const value = BigInt(`0x${hex}`) ^ (1n << BigInt(seed % 64)) ^ (1n << BigInt((seed * 7) % 64));
  return value.toString(16).padStart(16, '0');
}

export async function benchQuality(): Promise<BenchRow[]> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-quality-'));
  try {
    const images: Buffer[] = [];
    for (let i = 0; i < INGEST_IMAGES; i++) images.push(await syntheticPng(i + 1));
    const rows = await checksOnOne(images[0]!, false);
    if (existsSync(MODELS)) rows.push(...(await checksOnOne(images[0]!, true)));
    else
      rows.push({
        name: 'NSFW and OCR models',
        value: 'not measured: dist-electron/quality-models.mjs not built',
      });
    rows.push(...(await ingestThroughput(images, scratch)));
    rows.push(...lookups());
    return rows;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) printTable('Quality gate', await benchQuality());
