// The quality gate on real images made with sharp: blank frames, near-duplicates (a resized, recompressed
// copy is found, a different image is not), size mismatches, a planted classifier driving the fail-closed
// path, and missing models recorded as "not run" with the output sent to review.

import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_QUALITY_SETTINGS,
  type QualityCheckRecord,
  type QualitySettings,
} from '../../../shared/quality-contract';
import type { ReviewItem } from '../../../shared/review-contract';
import { scriptedAdapter, testCatalog, testProvider, testRoutes } from '../../../test/support/dispatch';
import { type Harness, makeHarness } from '../../../test/support/harness';
import { judge, quotedText, textDistance } from './judge';
import { createMeasure, modelsFromModule, unavailableModels } from './measure';
import type { QualityModels } from './models';
import { hammingHex, PhashIndex } from './phash-index';

/** A picture with structure: shapes at places that depend on `seed`. */
function scene(seed: number, size = 512): Promise<Buffer> {
  const shapes = Array.from({ length: 6 }, (_, i) => {
    const x = (seed * 97 + i * 131) % size;
    const y = (seed * 53 + i * 71) % size;
    const hue = (seed * 40 + i * 60) % 360;
    return `<circle cx="${x}" cy="${y}" r="${40 + ((seed + i) % 5) * 20}" fill="hsl(${hue},70%,50%)"/>`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">
    <rect width="100%" height="100%" fill="hsl(${(seed * 31) % 360},30%,80%)"/>${shapes}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

const flat = (background: string, width = 256, height = 256) =>
  sharp({ create: { width, height, channels: 3, background } })
    .png()
    .toBuffer();

const measureNoModels = createMeasure(unavailableModels('not installed in this test'));

const allChecks = new Set(['size', 'blank', 'duplicate', 'nsfw', 'text'] as const);

function judgeFacts(
  facts: Awaited<ReturnType<typeof measureNoModels>>,
  overrides: Partial<Parameters<typeof judge>[0]> = {},
): Record<string, QualityCheckRecord> {
  const records = judge({
    outputId: 10,
    runId: 5,
    facts,
    checks: allChecks,
    settings: DEFAULT_QUALITY_SETTINGS,
    requested: { size: null, aspectRatio: '1:1' },
    snapped: null,
    expectedText: [],
    index: new PhashIndex(),
    now: 1000,
    ...overrides,
  });
  return Object.fromEntries(records.map((r) => [r.check, r]));
}

describe('checks on real images', () => {
  it('a black frame and a flat colour fail as blank; a picture passes', async () => {
    const black = judgeFacts(await measureNoModels(await flat('#000000'), { nsfw: false, ocr: false }));
    expect(black.blank).toMatchObject({ result: 'fail', threshold: 4, version: 'blank@1' });
    expect(black.blank!.reason).toMatch(/almost blank: black/);
    const teal = judgeFacts(await measureNoModels(await flat('#208080'), { nsfw: false, ocr: false }));
    expect(teal.blank!.reason).toMatch(/flat colour \(#208080\)/);
    const picture = judgeFacts(await measureNoModels(await scene(3), { nsfw: false, ocr: false }));
    expect(picture.blank).toMatchObject({ result: 'pass', reason: null });
    expect(picture.blank!.score).toBeGreaterThan(10);
  });

  it('a resized and recompressed copy is a near-duplicate; a different image is not', async () => {
    const original = await scene(7);
    const copy = await sharp(original).resize(300, 300).jpeg({ quality: 55 }).toBuffer();
    const other = await scene(21);
    const wants = { nsfw: false, ocr: false };
    const [a, b, c] = await Promise.all([original, copy, other].map((img) => measureNoModels(img, wants)));
    expect(hammingHex(a!.phash, b!.phash)).toBeLessThanOrEqual(DEFAULT_QUALITY_SETTINGS.duplicateMaxDistance);
    expect(hammingHex(a!.phash, c!.phash)).toBeGreaterThan(DEFAULT_QUALITY_SETTINGS.duplicateMaxDistance);

    const index = new PhashIndex();
    index.put({ kind: 'output', id: 1, runId: 1 }, a!.phash);
    const dup = judgeFacts(b!, { index });
    expect(dup.duplicate).toMatchObject({
      result: 'fail',
      details: { duplicateOf: { outputId: 1, runId: 1 } },
    });
    expect(dup.duplicate!.reason).toMatch(/Nearly the same image as output 1 of run 1/);
    expect(judgeFacts(c!, { index }).duplicate).toMatchObject({ result: 'pass' });
  });

  it('size: a frame that is not the requested size fails; the provider snapped size passes', async () => {
    const facts = await measureNoModels(await flat('#808080', 512, 512), { nsfw: false, ocr: false });
    const wrong = judgeFacts(facts, { requested: { size: { width: 1024, height: 768 }, aspectRatio: null } });
    expect(wrong.size).toMatchObject({ result: 'fail', threshold: 0.02 });
    expect(wrong.size!.reason).toBe('Made 512×512, asked for 1024×768.');
    const snapped = judgeFacts(facts, {
      requested: { size: { width: 500, height: 500 }, aspectRatio: null },
      snapped: { width: 512, height: 512 },
    });
    expect(snapped.size).toMatchObject({ result: 'pass' });
    expect(judgeFacts(facts, { requested: { size: null, aspectRatio: '16:9' } }).size!.reason).toBe(
      'Made 512×512 (1.00:1), asked for 16:9.',
    );
  });

  it('text: quoted strings are the expected text; "OPENN 24/7" for "OPEN 24/7" fails with both texts', () => {
    expect(quotedText('a neon sign saying "OPEN 24/7" and “Bar”')).toEqual(['OPEN 24/7', 'Bar']);
    expect(textDistance('OPEN 24/7', 'open  24/7')).toBe(0);
    const facts = {
      width: 10,
      height: 10,
      detail: 50,
      mean: [1, 2, 3],
      phash: '0123456789abcdef',
      timings: {},
      ocr: { ok: true as const, version: 'fake-ocr@1', lines: [{ text: 'OPENN 24/7', confidence: 0.9 }] },
    };
    const text = judgeFacts(facts, { expectedText: ['OPEN 24/7'] }).text!;
    expect(text).toMatchObject({
      result: 'fail',
      threshold: 0.05,
      details: { expected: 'OPEN 24/7', read: 'OPENN 24/7' },
    });
    expect(text.score).toBeCloseTo(0.1);
  });

  it('the multi-index hash lookup finds what a linear scan finds', () => {
    const index = new PhashIndex();
    const hashes: string[] = [];
    let x = 12345;
    const rand32 = () => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x.toString(16).padStart(8, '0');
    };
    for (let i = 0; i < 3000; i++) {
      const hex = rand32() + rand32();
      hashes.push(hex);
      index.put({ kind: 'output', id: i, runId: i }, hex);
    }
    // Queries near stored hashes (a few bits flipped) and random ones.
    for (let q = 0; q < 200; q++) {
      const base = hashes[q * 7]!;
      const flipped = (BigInt(`0x${base}`) ^ (1n << BigInt(q % 64)) ^ (1n << BigInt((q * 5) % 64)))
        .toString(16)
        .padStart(16, '0');
      for (const maxDistance of [2, 6, 10, 20]) {
        const found = index.nearest(flipped, maxDistance);
        let best: { id: number; distance: number } | null = null;
        hashes.forEach((h, id) => {
          const d = hammingHex(h, flipped);
          if (d <= maxDistance && (!best || d < best.distance)) best = { id, distance: d };
        });
        expect(found?.distance ?? null).toBe((best as { distance: number } | null)?.distance ?? null);
      }
    }
  });

  it('a models module that cannot be imported rejects with model_unavailable naming the cause', async () => {
    const models = modelsFromModule(new URL('./no-such-models.mjs', import.meta.url).href);
    await expect(models.nsfw()).rejects.toMatchObject({ code: 'model_unavailable' });
    const facts = await createMeasure(models)(await scene(1), { nsfw: true, ocr: false });
    expect(facts.nsfw).toMatchObject({ ok: false, error: { code: 'model_unavailable' } });
    expect(judgeFacts(facts).nsfw).toMatchObject({ result: 'not_run', score: null });
  });
});

// ---------------------------------------------------------------- through the core

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

function planted(scores: Record<string, number>, lines: string[] = []): QualityModels {
  return {
    nsfw: async () => ({
      version: 'planted-nsfw@1',
      categories: Object.keys(scores),
      classify: async () => scores,
    }),
    ocr: async () => ({
      version: 'planted-ocr@1',
      read: async () => lines.map((text) => ({ text, confidence: 0.95 })),
    }),
    dispose: async () => {},
  };
}

function setupWithBytes(bytes: Buffer, models?: QualityModels) {
  const h = makeHarness({
    catalog: testCatalog(testProvider('pa')),
    routes: testRoutes([{ provider: 'pa' }]),
    adapters: { pa: scriptedAdapter('pa', [], { outcome: 'ok', images: 1, bytes: new Uint8Array(bytes) }) },
    keys: ['pa'],
    extra: models ? { quality: { models } } : {},
  });
  open.push(h);
  return h;
}

async function generated(h: Harness, request: Record<string, unknown> = {}) {
  const run = await h.generate(request);
  await h.core.quality.idle();
  return run;
}

const queue = (h: Harness) => h.call<{ items: ReviewItem[] }>('review.queue', {});

describe('the gate through the core', () => {
  it('a planted classifier above its threshold fails NSFW and the output waits in review with the reason', async () => {
    const h = setupWithBytes(await scene(2), planted({ porn: 0.93, neutral: 0.05 }));
    const run = await generated(h);
    const outputId = run.outputs[0]!.id;
    const { checks } = await h.call<{ checks: QualityCheckRecord[] }>('quality.output', { outputId });
    const nsfw = checks.find((c) => c.check === 'nsfw')!;
    expect(nsfw).toMatchObject({ result: 'fail', score: 0.93, threshold: 0.6 });
    expect(nsfw.version).toBe('nsfw@1/planted-nsfw@1');
    expect(nsfw.reason).toBe('Classified "porn" at 93% (threshold 60%).');
    const item = (await queue(h)).items.find((i) => i.outputId === outputId)!;
    expect(item.flags.map((f) => [f.check, f.result])).toEqual([['nsfw', 'fail']]);
    expect(h.eventsOf('quality.checked').at(-1)).toEqual({ outputIds: [outputId], runIds: [run.id] });
  });

  it('ordinary scores pass; with no models the NSFW check is "not run" and the output is flagged for review', async () => {
    const ok = setupWithBytes(await scene(4), planted({ porn: 0.01, sexy: 0.02, neutral: 0.97 }));
    const fine = await generated(ok);
    expect((await queue(ok)).items.find((i) => i.outputId === fine.outputs[0]!.id)!.flags).toEqual([]);

    const h = setupWithBytes(await scene(5));
    const run = await generated(h);
    const item = (await queue(h)).items.find((i) => i.outputId === run.outputs[0]!.id)!;
    expect(item.flags).toEqual([
      expect.objectContaining({
        check: 'nsfw',
        result: 'not_run',
        reason: expect.stringMatching(
          /^Not run: the NSFW model could not load \(.*no model module is configured.*\)/,
        ),
      }),
    ]);
  });

  it('a near-duplicate of an earlier output fails and links to it; a text render is read and compared', async () => {
    const image = await scene(9);
    const h = setupWithBytes(image, planted({ porn: 0 }, ['SALE 5O%']));
    const first = await generated(h);
    // The same picture again, recompressed: its content hash differs, its perceptual hash does not.
    const again = await generated(h, { prompt: 'a poster reading "SALE 50%"' });
    const { checks } = await h.call<{ checks: QualityCheckRecord[] }>('quality.run', { runId: again.id });
    const byCheck = Object.fromEntries(checks.map((c) => [c.check, c]));
    expect(byCheck.duplicate).toMatchObject({
      result: 'fail',
      details: { duplicateOf: { outputId: first.outputs[0]!.id, runId: first.id } },
    });
    expect(byCheck.text).toMatchObject({
      result: 'fail',
      details: { expected: 'SALE 50%', read: 'SALE 5O%' },
    });
  });

  it('settings choose the checks per route; the library re-run reports progress to done', async () => {
    const h = setupWithBytes(await flat('#ffffff', 64, 64), planted({ porn: 0 }));
    const settings: QualitySettings = {
      ...DEFAULT_QUALITY_SETTINGS,
      routes: { ...DEFAULT_QUALITY_SETTINGS.routes, nsfw: [], duplicate: [] },
    };
    expect(await h.call('quality.saveSettings', { settings })).toEqual(settings);
    await expect(
      h.call('quality.saveSettings', { settings: { ...settings, sizeTolerance: 2 } }),
    ).rejects.toThrow(/settings\.sizeTolerance/);
    const run = await generated(h);
    const checks = (await h.call<{ checks: QualityCheckRecord[] }>('quality.run', { runId: run.id })).checks;
    expect(checks.map((c) => [c.check, c.result])).toEqual([
      ['blank', 'fail'],
      ['size', 'pass'],
    ]);
    await h.call('quality.rerun', {});
    await h.core.quality.idle();
    expect(await h.call('quality.progress', {})).toEqual({ state: 'done', done: 1, total: 1 });
    expect(h.eventsOf('quality.progress').at(-1)).toEqual({ state: 'done', done: 1, total: 1 });
  });

  it('a library re-run cancelled part way stops after the images in hand and says so', async () => {
    const h = setupWithBytes(await scene(11), planted({ porn: 0 }));
    for (let i = 0; i < 3; i++) await generated(h, { prompt: `run ${i}` });
    expect(await h.call('quality.rerun', {})).toEqual({ state: 'running', done: 0, total: 3 });
    expect(await h.call('quality.cancelRerun', {})).toMatchObject({ state: 'running' });
    await h.core.quality.idle();
    const end = await h.call<{ state: string; done: number; total: number }>('quality.progress', {});
    expect(end).toEqual({ state: 'cancelled', done: 2, total: 3 });
    expect(h.eventsOf('quality.progress').at(-1)).toEqual(end);
  });
});
