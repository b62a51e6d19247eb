// Batches: expansion, the repository, the whole path through the queue (a failing item, the dead-letter list
// and its retry), budgets and the item cap refusing before anything is sent, and a crash in the middle.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type BatchItem, BatchSpec, type BatchSummary } from '../../../shared/batches-contract';
import type { HistoryPage } from '../../../shared/history-contract';
import {
  deferred,
  type ScriptedAdapter,
  scriptedAdapter,
  testCatalog,
  testProvider,
  testRoutes,
} from '../../../test/support/dispatch';
import { type Harness, refusal } from '../../../test/support/harness';
import { harnessesPerTest } from '../../../test/support/harnesses-per-test';
import { copyLibraryAsKilled, waitFor } from '../../../test/support/library-copy';
import { tempDirsPerTest } from '../../../test/support/temp-dirs';
import { DATABASE_FILE } from '..';
import { closeDatabase, createBatchesRepo, openDatabase } from '../store';
import { countItems, expandCoords, itemRequest } from './expand';

// Harnesses close (after-hooks run last registered first) before their folders go.
const tempDir = tempDirsPerTest();
const makeHarness = harnessesPerTest();

const spec = (more: Record<string, unknown> = {}) =>
  BatchSpec.parse({ request: { prompt: 'a lighthouse', seed: 100 }, ...more });

function setup(
  opts: { concurrency?: number; dataDir?: string; adapters?: Record<string, ScriptedAdapter> } = {},
) {
  const providers = [
    testProvider('pa', { limits: { concurrency: opts.concurrency ?? null } }),
    testProvider('pb', { price: 0.02 }),
  ];
  const adapters = opts.adapters ?? { pa: scriptedAdapter('pa'), pb: scriptedAdapter('pb') };
  const h = makeHarness({
    catalog: testCatalog(...providers),
    routes: testRoutes([{ provider: 'pa' }]),
    adapters,
    keys: ['pa', 'pb'],
    dataDir: opts.dataDir,
    policy: { maxConcurrentRuns: 2 },
  });
  return { h, adapters };
}

async function settle(h: Harness, batchId: number): Promise<{ batch: BatchSummary; items: BatchItem[] }> {
  for (let round = 0; round < 50; round += 1) {
    await h.core.generation.idle();
    const got = await h.call<{ batch: BatchSummary; items: BatchItem[] }>('batches.get', { batchId });
    if (got.batch.counts.running === 0 && (got.batch.counts.pending === 0 || got.batch.state !== 'running')) {
      return got;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error('the batch did not settle');
}

describe('expanding a batch', () => {
  it('makes the product in a fixed order: styles, matrix variables as listed, aspect ratios, then variants', () => {
    const s = BatchSpec.parse({
      request: { prompt: 'x', seed: 7, template: { versionId: 3, values: { mood: 'calm' } } },
      variants: 2,
      matrix: { subject: ['fox', 'owl'], light: ['dawn'] },
      aspectRatios: ['1:1', '16:9'],
      styles: [11, 12],
    });
    expect(countItems(s)).toBe(2 * 2 * 1 * 2 * 2);
    const coords = expandCoords(s);
    expect(coords).toHaveLength(16);
    expect(coords[0]).toEqual({
      style: 11,
      'var:subject': 'fox',
      'var:light': 'dawn',
      aspectRatio: '1:1',
      variant: 1,
    });
    expect(coords[1]).toEqual({
      style: 11,
      'var:subject': 'fox',
      'var:light': 'dawn',
      aspectRatio: '1:1',
      variant: 2,
    });
    expect(coords[2]).toMatchObject({ aspectRatio: '16:9', variant: 1 });
    expect(coords[15]).toEqual({
      style: 12,
      'var:subject': 'owl',
      'var:light': 'dawn',
      aspectRatio: '16:9',
      variant: 2,
    });
    expect(expandCoords(s)).toEqual(coords); // deterministic

    const request = itemRequest(s, coords[15]!);
    expect(request.style).toEqual({ versionId: 12 });
    expect(request.template).toEqual({
      versionId: 3,
      values: { mood: 'calm', subject: 'owl', light: 'dawn' },
    });
    expect(request.aspectRatio).toBe('16:9');
    expect(request.seed).toBe(8); // the seed + (variant - 1)
  });

  it('keeps the request as it is along dimensions left empty; random seeds stay random', () => {
    const s = spec({ request: { prompt: 'x', size: { width: 512, height: 512 } }, variants: 3 });
    expect(expandCoords(s)).toEqual([{ variant: 1 }, { variant: 2 }, { variant: 3 }]);
    expect(itemRequest(s, { variant: 2 })).toMatchObject({ seed: null, size: { width: 512, height: 512 } });
    // An aspect ratio dimension drops the exact size, which would otherwise win.
    const ratios = spec({
      request: { prompt: 'x', size: { width: 512, height: 512 } },
      aspectRatios: ['2:3'],
    });
    expect(itemRequest(ratios, expandCoords(ratios)[0]!).size).toBeUndefined();
  });

  it('refuses a matrix without a template, and a value listed twice, naming the field', () => {
    const noTemplate = BatchSpec.safeParse({ request: { prompt: 'x' }, matrix: { subject: ['a'] } });
    expect(noTemplate.success).toBe(false);
    expect(noTemplate.error?.issues[0]).toMatchObject({
      path: ['matrix'],
      message: 'needs a template in the request',
    });
    const twice = BatchSpec.safeParse({ request: { prompt: 'x' }, aspectRatios: ['1:1', '1:1'] });
    expect(twice.error?.issues[0]).toMatchObject({ path: ['aspectRatios'] });
  });
});

describe('the batches repository', () => {
  it('records a batch with its items, counts them, and puts only failed items back to pending', () => {
    const dir = tempDir();
    const db = openDatabase(path.join(dir, DATABASE_FILE));
    try {
      const repo = createBatchesRepo(db, { info() {}, warn() {}, error() {} });
      const id = repo.create({
        name: 'b',
        kind: ['variants'],
        spec: spec({ variants: 3 }),
        settings: { maxItems: 10, estimateUsd: 0.03 },
        items: [{ coords: { variant: 1 } }, { coords: { variant: 2 } }, { coords: { variant: 3 } }],
        now: 5,
      });
      expect(repo.get(id)).toMatchObject({
        state: 'running',
        kind: ['variants'],
        settings: { maxItems: 10 },
      });
      expect(repo.counts(id)).toEqual({
        total: 3,
        pending: 3,
        running: 0,
        succeeded: 0,
        failed: 0,
        cancelled: 0,
      });
      repo.settle(id, 1, 'failed', { code: 'content_blocked', message: 'no' }, 9);
      repo.settle(id, 2, 'succeeded', null, 9);
      expect(repo.item(id, 1)).toMatchObject({
        state: 'failed',
        error: { code: 'content_blocked', message: 'no' },
      });
      expect(repo.requeueFailed(id, [0, 2])).toEqual([]); // neither is failed
      expect(repo.requeueFailed(id, 'all')).toEqual([1]);
      expect(repo.pending(id, 10).map((i) => i.index)).toEqual([0, 1]);
      expect(repo.cancelPending(id, 10)).toBe(2);
      repo.setState(id, 'cancelled', null, 10);
      expect(repo.get(id)).toMatchObject({ state: 'cancelled', finishedAt: 10 });
    } finally {
      closeDatabase(db);
    }
  });
});

describe('a batch through the queue', () => {
  it('runs 3 variants × 2 aspect ratios, puts the failing item in the dead-letter list, and retries it', async () => {
    const { h, adapters } = setup();
    // The third call fails for good (content blocked: no retry, no other provider in the route).
    adapters.pa!.script = [{ outcome: 'ok' }, { outcome: 'ok' }, { outcome: 'content_blocked' }];
    const estimate = await h.call<{ items: number; perProvider: unknown[]; refusal: unknown }>(
      'batches.estimate',
      { request: { prompt: 'a lighthouse', seed: 100 }, variants: 3, aspectRatios: ['1:1', '16:9'] },
    );
    expect(estimate).toMatchObject({
      items: 6,
      perProvider: [{ provider: 'pa', name: 'PA', items: 6, usd: 0.06 }],
      refusal: null,
    });
    const { batchId } = await h.call<{ batchId: number }>('batches.create', {
      request: { prompt: 'a lighthouse', seed: 100 },
      variants: 3,
      aspectRatios: ['1:1', '16:9'],
    });
    const first = await settle(h, batchId);
    expect(first.batch).toMatchObject({
      state: 'done',
      counts: { total: 6, succeeded: 5, failed: 1, pending: 0, running: 0 },
      progress: 1,
      kind: ['aspectRatios', 'variants'],
    });
    const dead = first.items.filter((i) => i.state === 'failed');
    expect(dead).toHaveLength(1);
    expect(dead[0]!.error?.code).toBe('content_blocked');
    // Each item shows its run's first image once it has one; the failed one has none.
    expect(dead[0]!.thumbPath).toBeNull();
    expect(
      first.items.filter((i) => i.state === 'succeeded' && /^thumbs\//.test(i.thumbPath ?? '')),
    ).toHaveLength(5);
    expect(adapters.pa!.calls).toHaveLength(6);
    // Each item sent once, with its own seed and ratio.
    expect(adapters.pa!.calls.map((c) => c.seed).sort()).toEqual([100, 100, 101, 101, 102, 102]);

    const retried = await h.call<BatchSummary>('batches.retry', { batchId, indexes: [dead[0]!.index] });
    expect(retried.state).toBe('running');
    const second = await settle(h, batchId);
    expect(second.batch).toMatchObject({ state: 'done', counts: { succeeded: 6, failed: 0 } });
    expect(second.items.find((i) => i.index === dead[0]!.index)).toMatchObject({
      state: 'succeeded',
      attempts: 2,
    });
    expect(second.batch.costUsd).toBeCloseTo(0.06, 6);

    // History's batch filter finds every run it made (the failed first try too), each carrying its coordinates.
    const page = await h.call<HistoryPage>('runs.search', { query: { batches: [batchId] } });
    expect(page.total).toBe(7);
    expect(page.items[0]!.batch).toMatchObject({ id: batchId, index: dead[0]!.index });
    expect(page.items[0]!.batch?.coords).toHaveProperty('aspectRatio');
    const none = await h.call<HistoryPage>('runs.search', { query: { batches: [batchId + 1] } });
    expect(none.total).toBe(0);
    // The facet snapshot answers filtered searches: it must follow batch_runs as they are written.
    const withText = await h.call<HistoryPage>('runs.search', {
      query: { batches: [batchId], text: 'lighthouse' },
    });
    expect(withText.total).toBe(7);
    const facets = await h.call<{ total: number }>('runs.facets', { query: { batches: [batchId] } });
    expect(facets.total).toBe(7);
    expect(h.eventsOf('batch.updated').at(-1)).toMatchObject({ batch: { id: batchId, state: 'done' } });
  });

  it('retries several or all dead-letter items, and names the field when none is failed', async () => {
    const { h, adapters } = setup();
    adapters.pa!.script = [{ outcome: 'content_blocked' }, { outcome: 'ok' }, { outcome: 'content_blocked' }];
    const { batchId } = await h.call<{ batchId: number }>('batches.create', {
      request: { prompt: 'x' },
      variants: 3,
    });
    await settle(h, batchId);
    const wrong = await h.core.invoke('batches.retry', { batchId, indexes: [1] });
    expect(wrong).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', issues: [{ path: ['indexes'] }] },
    });
    await h.call('batches.retry', { batchId, indexes: 'all' });
    const done = await settle(h, batchId);
    expect(done.batch.counts).toMatchObject({ succeeded: 3, failed: 0 });
    expect(adapters.pa!.calls).toHaveLength(5);
  });

  it('pauses (sends nothing new), resumes, and cancels what is left', async () => {
    const { h, adapters } = setup({ concurrency: 1 });
    const gate = deferred();
    adapters.pa!.script = [{ outcome: 'ok', hold: gate.promise }];
    const { batchId } = await h.call<{ batchId: number }>('batches.create', {
      request: { prompt: 'x' },
      variants: 6,
    });
    await waitFor(() => adapters.pa!.openCalls() === 1);
    const paused = await h.call<BatchSummary>('batches.pause', { batchId });
    expect(paused.state).toBe('paused');
    gate.resolve();
    const whilePaused = await settle(h, batchId);
    // Only the window (2) had been handed to the queue; nothing more went out while paused.
    expect(whilePaused.batch.counts).toMatchObject({ succeeded: 2, pending: 4 });
    expect(whilePaused.batch.etaMs).toBeNull();
    await h.call('batches.resume', { batchId });
    await waitFor(() => adapters.pa!.calls.length >= 3);
    const cancelled = await h.call<BatchSummary>('batches.cancel', { batchId });
    expect(cancelled.state).toBe('cancelled');
    const end = await settle(h, batchId);
    expect(end.batch.counts.pending).toBe(0);
    expect(end.batch.counts.cancelled).toBeGreaterThan(0);
    expect(end.batch.counts.succeeded + end.batch.counts.cancelled).toBe(6);
  });

  it('renders each matrix value through the template, and refuses a value the template cannot take', async () => {
    const { h, adapters } = setup();
    const template = await h.call<{ versionId: number }>('templates.create', {
      fields: {
        name: 'Product',
        segments: { subject: 'a {{thing}}', environment: 'on {{surface}}' },
        variables: [
          { name: 'thing', kind: 'text', maxLength: 30 },
          { name: 'surface', kind: 'text', maxLength: 30 },
        ],
      },
    });
    const request = {
      prompt: 'x',
      seed: 5,
      template: { versionId: template.versionId, values: { thing: 'cup', surface: 'oak' } },
    };
    const matrix = { thing: ['vase', 'lamp'], surface: ['slate', 'linen'] };
    const estimate = await h.call<{ items: number; perProvider: Array<{ items: number }> }>(
      'batches.estimate',
      {
        request,
        matrix,
      },
    );
    expect(estimate).toMatchObject({ items: 4, perProvider: [{ items: 4 }] });
    const { batchId } = await h.call<{ batchId: number }>('batches.create', { request, matrix });
    const done = await settle(h, batchId);
    expect(done.batch).toMatchObject({ kind: ['matrix'], counts: { succeeded: 4 } });
    expect(done.items.map((i) => i.coords)).toEqual([
      { 'var:thing': 'vase', 'var:surface': 'slate', variant: 1 },
      { 'var:thing': 'vase', 'var:surface': 'linen', variant: 1 },
      { 'var:thing': 'lamp', 'var:surface': 'slate', variant: 1 },
      { 'var:thing': 'lamp', 'var:surface': 'linen', variant: 1 },
    ]);
    const prompts = adapters.pa!.calls.map((c) => c.prompt).sort();
    expect(prompts[0]).toContain('a lamp');
    expect(prompts[0]).toContain('linen');
    expect(prompts.filter((p) => p.includes('a vase') && p.includes('slate'))).toHaveLength(1);
    // A value longer than the variable takes: refused with the estimate, nothing sent.
    const sent = adapters.pa!.calls.length;
    const tooLong = await h.core.invoke('batches.create', { request, matrix: { thing: ['x'.repeat(40)] } });
    expect(tooLong.ok).toBe(false);
    expect(adapters.pa!.calls).toHaveLength(sent);
  });

  it('pauses with the reason, items kept pending, when no provider can be tried (not their fault)', async () => {
    const { h, adapters } = setup({ concurrency: 1 });
    const gate = deferred();
    adapters.pa!.script = [{ outcome: 'ok', hold: gate.promise }];
    const { batchId } = await h.call<{ batchId: number }>('batches.create', {
      request: { prompt: 'x' },
      variants: 4,
    });
    await waitFor(() => adapters.pa!.openCalls() === 1);
    // Other spending meanwhile: after the first item ($0.01) the budget has no room for another.
    await h.call('budgets.set', { overall: { dailyUsd: 0.015, monthlyUsd: null }, providers: {} });
    gate.resolve();
    const stopped = await settle(h, batchId);
    expect(stopped.batch).toMatchObject({ state: 'paused', counts: { succeeded: 1, failed: 0, pending: 3 } });
    expect(stopped.batch.pausedReason).toMatch(/budget.*Resume when a provider can run again/s);
    expect(adapters.pa!.calls).toHaveLength(1);
    // Raised: resume sends the rest.
    await h.call('budgets.set', { overall: { dailyUsd: null, monthlyUsd: null }, providers: {} });
    await h.call('batches.resume', { batchId });
    const done = await settle(h, batchId);
    expect(done.batch).toMatchObject({ state: 'done', counts: { succeeded: 4 } });
  });

  it('refuses before anything is sent: over the item cap (naming maxItems) or over a budget for the whole batch', async () => {
    const { h, adapters } = setup();
    await h.call('batches.setSettings', { maxItems: 4 });
    const capped = await h.core.invoke('batches.create', { request: { prompt: 'x' }, variants: 5 });
    expect(capped).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', fix: 'budgets', issues: [{ path: ['maxItems'] }] },
    });
    expect(!capped.ok && capped.error.message).toContain('maxItems');
    await h.call('batches.setSettings', { maxItems: 500 });
    // Each item fits the budget alone ($0.01 of $0.05); the batch of ten does not.
    await h.call('budgets.set', { overall: { dailyUsd: 0.05, monthlyUsd: null }, providers: {} });
    const estimate = await h.call<{ refusal: { code: string } | null; totalUsd: number }>(
      'batches.estimate',
      {
        request: { prompt: 'x' },
        variants: 10,
      },
    );
    expect(estimate).toMatchObject({ totalUsd: 0.1, refusal: { code: 'budget_exceeded' } });
    expect(await refusal(h.call('batches.create', { request: { prompt: 'x' }, variants: 10 }))).toBe(
      'budget_exceeded',
    );
    expect(adapters.pa!.calls).toHaveLength(0);
    expect(await h.call<{ batches: unknown[] }>('batches.list')).toEqual({ batches: [] });
  });
});

describe('a batch across a crash', () => {
  it('fails the items that were out as interrupted (never re-sent), sends the rest, and retries by hand', async () => {
    const { h, adapters } = setup({ concurrency: 2 });
    adapters.pa!.script = [{ hang: true }, { hang: true }];
    const { batchId } = await h.call<{ batchId: number }>('batches.create', {
      request: { prompt: 'x', seed: 500 },
      variants: 5,
    });
    await waitFor(() => adapters.pa!.openCalls() === 2);
    // What a killed process leaves: the database as it is now.
    const crashed = copyLibraryAsKilled(h.dataDir, tempDir());
    const after = { pa: scriptedAdapter('pa'), pb: scriptedAdapter('pb') };
    const { h: again } = setup({ concurrency: 2, dataDir: crashed, adapters: after });
    const resumed = await settle(again, batchId);
    expect(resumed.batch).toMatchObject({ state: 'done', counts: { succeeded: 3, failed: 2 } });
    const interrupted = resumed.items.filter((i) => i.state === 'failed');
    expect(interrupted.map((i) => i.error?.code)).toEqual(['interrupted', 'interrupted']);
    // The two that were out are not sent again; the three that were not are sent once each.
    expect(after.pa.calls.map((c) => c.seed).sort()).toEqual([502, 503, 504]);
    await again.call('batches.retry', { batchId, indexes: 'all' });
    const retried = await settle(again, batchId);
    expect(retried.batch.counts).toMatchObject({ succeeded: 5, failed: 0 });
    expect(after.pa.calls.map((c) => c.seed).sort()).toEqual([500, 501, 502, 503, 504]);
  });

  it('after a clean stop, items whose runs had not been sent resume; those out end interrupted', async () => {
    const { h, adapters } = setup({ concurrency: 1 });
    adapters.pa!.script = [{ hang: true }];
    const { batchId } = await h.call<{ batchId: number }>('batches.create', {
      request: { prompt: 'x', seed: 10 },
      variants: 3,
    });
    await waitFor(() => adapters.pa!.openCalls() === 1);
    await h.restart({ adapters: { pa: scriptedAdapter('pa'), pb: scriptedAdapter('pb') } });
    const done = await settle(h, batchId);
    expect(done.batch.counts).toMatchObject({ succeeded: 2, failed: 1 });
    expect(done.items.find((i) => i.state === 'failed')?.error?.code).toBe('interrupted');
  });
});
