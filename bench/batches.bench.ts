// Batches across crashes: a 200-item batch through a two-provider chain whose every attempt fails half the
// time, with Atelier closed and reopened on the same library twice in the middle. Counts what the providers
// delivered per item (by its seed) against what the batch recorded: lost (never settled), sent twice
// (delivered more than once without a retry by hand), settled; and the items per second it kept up.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Core, createCore } from '../electron/core';
import { systemClock } from '../electron/core/ports';
import type { AdapterCall, AttemptResult, ProviderAdapter } from '../electron/core/providers/types';
import { createSessionVault } from '../electron/core/vault/vault';
import type { BatchItem, BatchSummary } from '../shared/batches-contract';
import { testCatalog, testProvider, testRoutes, uniquePng } from '../test/support/dispatch';
import { type BenchRow, isMain, printTable } from './report';

const ITEMS = 200;
const BASE_SEED = 10_000;
const KILL_AT = [60, 130]; // settled items at which Atelier is closed and reopened
const ANSWER_MS = 4;

/** Deterministic coin: the n-th attempt's outcome, fair over the run. */
function coin(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

interface Deliveries {
  /** "seed|aspect ratio" (one item) -> images delivered (answers 'ok' that reached Atelier). */
  ok: Map<string, number>;
  sent: number;
}

function flakyAdapter(id: string, deliveries: Deliveries, flip: () => number): ProviderAdapter {
  return {
    id,
    async generate(call: AdapterCall): Promise<AttemptResult> {
      deliveries.sent += 1;
      const requestSent = { prompt: call.request.prompt, seed: call.request.seed };
      const aborted = await new Promise<boolean>((resolve) => {
        if (call.signal.aborted) return resolve(true);
        const timer = setTimeout(() => resolve(false), ANSWER_MS);
        call.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      const fail = (outcome: 'cancelled' | 'unavailable', message: string): AttemptResult => ({
        outcome,
        requestSent,
        httpStatus: outcome === 'cancelled' ? null : 503,
        warnings: [],
        providerCode: null,
        providerMessage: message,
        retryAfterMs: null,
      });
      if (aborted) return fail('cancelled', 'aborted before the answer');
      if (flip() < 0.5) return fail('unavailable', `${id} is overloaded`);
      const key = `${call.request.seed}|${call.request.aspectRatio}`;
      deliveries.ok.set(key, (deliveries.ok.get(key) ?? 0) + 1);
      return {
        outcome: 'ok',
        requestSent,
        httpStatus: 200,
        warnings: [],
        images: [{ bytes: await uniquePng(), declaredMime: 'image/png' }],
        seedUsed: call.request.seed,
        costUsd: 0.001,
        costCredits: null,
        providerMessage: null,
      };
    },
    async testKey() {
      return { outcome: 'ok', message: 'ok' };
    },
  };
}

function boot(dataDir: string, deliveries: Deliveries, flip: () => number): Core {
  const ids = ['pa', 'pb'];
  return createCore({
    dataDir,
    vault: createSessionVault(),
    log: { info() {}, warn() {}, error() {} },
    mode: 'browser',
    version: 'bench',
    clock: systemClock,
    catalog: testCatalog(...ids.map((id) => testProvider(id, { price: 0.001 }))),
    routes: testRoutes(ids.map((provider) => ({ provider }))),
    adapters: Object.fromEntries(ids.map((id) => [id, flakyAdapter(id, deliveries, flip)])),
    environmentKeys: Object.fromEntries(ids.map((id) => [id, `bench-key-${id}-000`])),
    // A failed attempt falls through to the next provider at once (no backoff), so half fail per step; the
    // breakers are kept shut (at 50 % failures they would open and skip both providers: that is measured by
    // the dispatcher's own bench, not here).
    policy: { retryLimit: 0, maxConcurrentRuns: 8, breakerThreshold: 1_000_000 },
    sweep: false,
  });
}

async function call<T>(core: Core, name: string, input: unknown): Promise<T> {
  const result = await core.invoke(name, input);
  if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

/** The key the adapter records an item's deliveries under: its seed and aspect ratio. */
const itemKey = (i: BatchItem) => `${BASE_SEED + Number(i.coords.variant) - 1}|${i.coords.aspectRatio}`;

const settledOf = (b: BatchSummary) => b.counts.succeeded + b.counts.failed + b.counts.cancelled;

/** Waits until `settled` items are settled (or the batch has nothing left to run). */
async function until(core: Core, batchId: number, settled: number): Promise<BatchSummary> {
  for (;;) {
    const { batch } = await call<{ batch: BatchSummary }>(core, 'batches.get', { batchId });
    if (settledOf(batch) >= settled || (batch.counts.pending === 0 && batch.counts.running === 0))
      return batch;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

export async function benchBatches(): Promise<BenchRow[]> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-batches-'));
  const deliveries: Deliveries = { ok: new Map(), sent: 0 };
  const flip = coin(12_345);
  try {
    const started = performance.now();
    let core = boot(dataDir, deliveries, flip);
    const { batchId } = await call<{ batchId: number }>(core, 'batches.create', {
      request: { prompt: 'overnight batch', seed: BASE_SEED },
      variants: ITEMS / 2,
      aspectRatios: ['1:1', '16:9'],
    });
    let interrupted = 0;
    for (const at of KILL_AT) {
      await until(core, batchId, at);
      await core.close(); // items out end interrupted; items queued but not sent resume on the next start
      core = boot(dataDir, deliveries, flip);
    }
    const first = await until(core, batchId, ITEMS);
    await core.generation.idle();
    const firstPass = performance.now() - started;
    const { items } = await call<{ items: BatchItem[] }>(core, 'batches.get', { batchId });
    interrupted = items.filter((i) => i.error?.code === 'interrupted').length;
    const deadBefore = items.filter((i) => i.state === 'failed').length;

    // Sent twice: an item the providers delivered more than once, before any retry by hand.
    const sentTwice = items.filter((i) => (deliveries.ok.get(itemKey(i)) ?? 0) > 1).length;
    // Lost: not settled, or recorded as succeeded without the provider having delivered it (or the reverse).
    const lost = items.filter(
      (i) =>
        i.state === 'pending' ||
        i.state === 'running' ||
        (i.state === 'succeeded') !== (deliveries.ok.get(itemKey(i)) ?? 0) > 0,
    ).length;
    const settled = settledOf(first);

    // The dead-letter list, retried by hand until empty (bounded).
    let rounds = 0;
    let batch = first;
    while (batch.counts.failed > 0 && rounds < 10) {
      rounds += 1;
      await call(core, 'batches.retry', { batchId, indexes: 'all' });
      batch = await until(core, batchId, ITEMS);
      await core.generation.idle();
      batch = (await call<{ batch: BatchSummary }>(core, 'batches.get', { batchId })).batch;
    }
    await core.close();
    return [
      {
        name: `items lost (${ITEMS} items, ${KILL_AT.length} kills)`,
        value: String(lost),
        goal: '0',
        ok: lost === 0,
      },
      {
        name: 'items delivered twice without a retry by hand',
        value: String(sentTwice),
        goal: '0',
        ok: sentTwice === 0,
      },
      {
        name: 'items settled (succeeded or dead-lettered)',
        value: String(settled),
        goal: String(ITEMS),
        ok: settled === ITEMS,
      },
      {
        name: 'of them dead-lettered (interrupted by the kills)',
        value: `${deadBefore} (${interrupted})`,
      },
      {
        name: 'throughput, kills and reopening included',
        value: `${(ITEMS / (firstPass / 1000)).toFixed(1)} items/s`,
      },
      {
        name: 'requests sent / attempts per item',
        value: `${deliveries.sent} / ${(deliveries.sent / ITEMS).toFixed(2)}`,
      },
      {
        name: 'succeeded after retrying the dead letters',
        value: `${batch.counts.succeeded} of ${ITEMS} in ${rounds} rounds`,
      },
    ];
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) printTable('Batches', await benchBatches());
