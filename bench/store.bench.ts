// Store speed: run inserts as the app records them, and the gallery's first and deep pages at 100,000 runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../electron/core/ports';
import {
  closeDatabase,
  createRunsRepo,
  type NewOutput,
  openDatabase,
  type RunsRepo,
} from '../electron/core/store';
import type { GenerationRequest } from '../shared/domain';
import { type BenchRow, isMain, ms, printTable, timeRepeated } from './report';

const TOTAL_RUNS = 100_000;
const TIMED_INSERTS = 2_000;
const FILL_BATCH = 5_000;
const PAGE_SIZE = 100;
const PAGE_REPEATS = 200;
const FIRST_PAGE_GOAL_MS = 10;

const PROMPT_WORDS =
  'a quiet harbour at dawn in soft gouache with warm light long shadows and a red boat'.split(' ');

/** Deterministic, so every bench run stores the same library. */
function makeRequest(i: number): GenerationRequest {
  const words = Array.from({ length: 30 }, (_, k) => PROMPT_WORDS[(i * 7 + k * 3) % PROMPT_WORDS.length]);
  return {
    prompt: `${words.join(' ')} #${i}`,
    negativePrompt: i % 3 === 0 ? 'text, watermark, blurry' : '',
    aspectRatio: i % 2 === 0 ? '1:1' : '3:2',
    seed: i % 5 === 0 ? i : null,
    count: 1 + (i % 4),
    quality: 'final',
    taskType: 'default',
    fresh: false,
    provider: 'openai',
    model: 'gpt-image-1',
  };
}

function makeOutput(i: number, index: number): NewOutput {
  const sha256 = (i * 10 + index).toString(16).padStart(64, '0');
  return {
    index,
    path: `media/${sha256.slice(0, 2)}/${sha256}.png`,
    sha256,
    width: 1024,
    height: 1024,
    format: 'png',
    bytes: 1_800_000,
    thumbPath: `thumbs/${sha256.slice(0, 2)}/${sha256}.webp`,
  };
}

/** One run as the generation service records it; every tenth fails, the rest carry 1 to 4 images. */
function recordRun(runs: RunsRepo, i: number, outputs: number): void {
  const now = 1_700_000_000_000 + i * 1_000;
  const request = makeRequest(i);
  const id = runs.create({ request, now });
  runs.markRunning(id, { now: now + 5, seed: request.seed ?? i, model: 'gpt-image-1' });
  const failed = outputs === 0;
  const attemptId = runs.recordAttempt(id, {
    ordinal: 1,
    provider: 'openai',
    model: 'gpt-image-1',
    requestSent: { model: 'gpt-image-1', prompt: request.prompt, size: '1024x1024', n: request.count },
    outcome: failed ? 'content_blocked' : 'ok',
    httpStatus: failed ? 400 : 200,
    providerCode: failed ? 'moderation_blocked' : null,
    providerMessage: failed ? 'Your request was rejected by the safety system.' : null,
    retryAfterMs: null,
    warnings: [],
    startedAt: now + 10,
    latencyMs: 8_000,
    costUsd: failed ? null : 0.04 * outputs,
  });
  if (failed) {
    runs.fail(id, {
      now: now + 8_100,
      status: 'failed',
      code: 'content_blocked',
      message: 'Blocked by the provider.',
    });
    return;
  }
  runs.complete(id, {
    now: now + 8_100,
    attemptId,
    costUsd: 0.04 * outputs,
    outputs: Array.from({ length: outputs }, (_, k) => makeOutput(i, k)),
  });
}

function outputsFor(i: number): number {
  return i % 10 === 9 ? 0 : 1 + (i % 4);
}

export async function benchStore(): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-store-'));
  const file = path.join(dir, 'atelier.db');
  const db = openDatabase(file);
  try {
    const runs = createRunsRepo(db, silentLogger);
    const rows: BenchRow[] = [];

    // As the app records a run: one transaction per run around create, start, attempt and completion.
    const oneRun = db.transaction((i: number) => recordRun(runs, i, 1));
    let start = performance.now();
    for (let i = 0; i < TIMED_INSERTS; i++) oneRun(i);
    let elapsed = performance.now() - start;
    rows.push({
      name: 'insert run (create + attempt + complete, 1 output), 1 transaction each',
      value: `${Math.round(TIMED_INSERTS / (elapsed / 1000)).toLocaleString('en-US')} runs/s`,
    });

    // The generation service commits each step separately; this is the rate it actually sees.
    start = performance.now();
    for (let i = TIMED_INSERTS; i < 2 * TIMED_INSERTS; i++) recordRun(runs, i, 1);
    elapsed = performance.now() - start;
    rows.push({
      name: 'insert run, each step its own commit (generation service path)',
      value: `${Math.round(TIMED_INSERTS / (elapsed / 1000)).toLocaleString('en-US')} runs/s`,
    });

    const fillBatch = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) recordRun(runs, i, outputsFor(i));
    });
    start = performance.now();
    for (let from = 2 * TIMED_INSERTS; from < TOTAL_RUNS; from += FILL_BATCH) {
      fillBatch(from, Math.min(TOTAL_RUNS, from + FILL_BATCH));
    }
    elapsed = performance.now() - start;
    rows.push({
      name: `fill to ${TOTAL_RUNS.toLocaleString('en-US')} runs (batches of ${FILL_BATCH.toLocaleString('en-US')})`,
      value: `${(elapsed / 1000).toFixed(1)} s`,
    });
    db.pragma('wal_checkpoint(TRUNCATE)');

    const first = timeRepeated(PAGE_REPEATS, () => runs.list({ limit: PAGE_SIZE }));
    rows.push({
      name: `first page list({ limit: ${PAGE_SIZE} }) at 100k runs, p50`,
      value: ms(first.p50),
      goal: `≤ ${FIRST_PAGE_GOAL_MS} ms`,
      ok: first.p50 <= FIRST_PAGE_GOAL_MS,
    });
    rows.push({ name: 'first page, p95', value: ms(first.p95) });

    const deep = timeRepeated(PAGE_REPEATS, () => runs.list({ before: 50_000, limit: PAGE_SIZE }));
    rows.push({
      name: 'deep page list({ before: 50,000 }), p50',
      value: ms(deep.p50),
      goal: `≤ ${FIRST_PAGE_GOAL_MS} ms`,
      ok: deep.p50 <= FIRST_PAGE_GOAL_MS,
    });
    rows.push({ name: 'deep page, p95', value: ms(deep.p95) });

    const count = db.prepare('SELECT count(*) FROM runs').pluck();
    const total = timeRepeated(PAGE_REPEATS, () => count.get());
    rows.push({ name: 'total (count(*) over runs) alone, p50', value: ms(total.p50) });

    const detail = timeRepeated(PAGE_REPEATS, () => runs.get(50_000));
    rows.push({ name: 'get(id) with attempts, outputs and tags, p50', value: ms(detail.p50) });

    closeDatabase(db);
    const bytes = fs.statSync(file).size;
    rows.push({ name: 'database file at 100k runs', value: `${(bytes / 1024 / 1024).toFixed(1)} MiB` });
    return rows;
  } finally {
    closeDatabase(db);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) printTable('Store and history', await benchStore());
