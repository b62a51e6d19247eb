// The quality gate on real images made with sharp: blank frames, near-duplicates (a resized, recompressed
// copy is found, a different image is not), size mismatches, a planted classifier driving the fail-closed
// path, and missing models recorded as "not run" with the output sent to review.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ImportReport } from '../../../shared/import-contract';
import {
  DEFAULT_QUALITY_SETTINGS,
  type QualityCheckRecord,
  type QualitySettings,
} from '../../../shared/quality-contract';
import type { Reference, ReferenceImportResult } from '../../../shared/references-contract';
import type { ReviewItem } from '../../../shared/review-contract';
import { scriptedAdapter, testCatalog, testProvider, testRoutes } from '../../../test/support/dispatch';
import type { Harness } from '../../../test/support/harness';
import { harnessesPerTest } from '../../../test/support/harnesses-per-test';
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

/** Facts of an image whose OCR read one line. */
const readFacts = (text: string, confidence: number) => ({
  width: 10,
  height: 10,
  detail: 50,
  mean: [1, 2, 3],
  phash: '0123456789abcdef',
  timings: {},
  ocr: { ok: true as const, version: 'fake-ocr@1', lines: [{ text, confidence }] },
});

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

  it('the image is decoded once as shown: a 16-bit PNG on the 0–255 scale, an EXIF-rotated JPEG upright', async () => {
    const picture = await scene(6, 256);
    const wants = { nsfw: false, ocr: false };
    const eight = await measureNoModels(picture, wants);
    const sixteen = await measureNoModels(
      await sharp(picture).toColourspace('rgb16').png().toBuffer(),
      wants,
    );
    expect(sixteen.detail).toBeCloseTo(eight.detail, 5);
    expect(sixteen.phash).toBe(eight.phash);
    expect(Object.keys(eight.timings)).toEqual(['decode', 'stats', 'phash']);
    const wide = await sharp(picture)
      .resize(300, 200, { fit: 'fill' })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect(await measureNoModels(wide, wants)).toMatchObject({ width: 200, height: 300 });
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
    const text = judgeFacts(readFacts('OPENN 24/7', 0.9), { expectedText: ['OPEN 24/7'] }).text!;
    expect(text).toMatchObject({
      result: 'fail',
      threshold: 0.05,
      details: { expected: 'OPEN 24/7', read: 'OPENN 24/7' },
    });
    expect(text.score).toBeCloseTo(1 / 9); // one letter of "OPEN24/7": white space is left out
  });

  it('text: white space is left out of the comparison (OCR does not always see the gap between words)', () => {
    expect(textDistance('OPEN 24/7', 'OPEN24/7')).toBe(0);
    expect(textDistance('GRAND OPENING', 'GRAND\nOPENING')).toBe(0);
    expect(textDistance('OPEN 24/7', 'OPEN 2 4/7')).toBe(0);
    const text = judgeFacts(readFacts('OPEN24/7', 0.97), { expectedText: ['OPEN 24/7'] }).text!;
    expect(text).toMatchObject({ result: 'pass', score: 0, version: 'ocr-levenshtein@2/fake-ocr@1' });
    expect(text.details).toMatchObject({ expected: 'OPEN 24/7', read: 'OPEN24/7' });
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

describe("the provider's own safety flag beside the NSFW check", () => {
  const base = {
    width: 64,
    height: 64,
    detail: 40,
    mean: [90, 90, 90],
    phash: '0123456789abcdef',
    timings: {},
  };
  const scored = (scores: Record<string, number>) => ({
    ...base,
    nsfw: { ok: true as const, version: 'planted@1', scores },
  });
  const falFlag = { field: 'has_nsfw_concepts' as const, flagged: true, ratings: [] };
  const geminiFine = {
    field: 'safetyRatings' as const,
    flagged: false,
    ratings: [{ category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: 'NEGLIGIBLE', blocked: false }],
  };

  it('a provider that flagged the image fails the check though the model passed it, and says who flagged it', () => {
    const nsfw = judgeFacts(scored({ porn: 0.03, sexy: 0.1, neutral: 0.87 }), { providerFlag: falFlag })
      .nsfw!;
    expect(nsfw).toMatchObject({ result: 'fail', score: 0.1, threshold: 0.8 });
    expect(nsfw.reason).toBe(
      `Flagged by fal's safety checker, though the NSFW model scored it under its thresholds (highest "sexy" at 10%, threshold 80%). A person must look.`,
    );
    expect(nsfw.details).toMatchObject({
      scores: { porn: 0.03, sexy: 0.1, neutral: 0.87 },
      providerFlag: falFlag,
      flaggedBy: 'provider',
    });
  });

  it("a verdict that did not flag is recorded beside a pass, and never turns the model's fail into a pass", () => {
    const pass = judgeFacts(scored({ porn: 0.02 }), { providerFlag: geminiFine }).nsfw!;
    expect(pass).toMatchObject({ result: 'pass', reason: null, details: { providerFlag: geminiFine } });
    const fail = judgeFacts(scored({ porn: 0.9 }), { providerFlag: geminiFine }).nsfw!;
    expect(fail).toMatchObject({ result: 'fail', reason: 'Classified "porn" at 90% (threshold 60%).' });
    const both = judgeFacts(scored({ porn: 0.9 }), {
      providerFlag: {
        field: 'safetyRatings',
        flagged: true,
        ratings: [{ category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: 'HIGH', blocked: true }],
      },
    }).nsfw!;
    expect(both.reason).toBe(
      `Classified "porn" at 90% (threshold 60%). Flagged by Gemini's safety ratings (sexually explicit: high (blocked)) too.`,
    );
    // No provider verdict: nothing is recorded in its place (absence is never "safe").
    expect(judgeFacts(scored({ porn: 0.02 })).nsfw!.details).not.toHaveProperty('providerFlag');
  });

  it('a flagged image whose model could not run fails (review either way) and keeps the cause', () => {
    const facts = {
      ...base,
      nsfw: {
        ok: false as const,
        error: {
          code: 'model_unavailable' as const,
          message: 'gone',
          details: { cause: 'model.json missing' },
        },
      },
    };
    const nsfw = judgeFacts(facts, {
      providerFlag: { field: 'is_image_safe', flagged: true, ratings: [] },
    }).nsfw!;
    expect(nsfw).toMatchObject({ result: 'fail', score: null, details: { cause: 'model.json missing' } });
    expect(nsfw.reason).toBe(
      "Flagged by Ideogram's safety check; the NSFW model did not run (model.json missing). A person must look.",
    );
    expect(judgeFacts(facts).nsfw).toMatchObject({ result: 'not_run' });
  });
});

// ---------------------------------------------------------------- through the core

const makeHarness = harnessesPerTest();

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
    expect(nsfw.version).toBe('nsfw@2/planted-nsfw@1');
    expect(nsfw.reason).toBe('Classified "porn" at 93% (threshold 60%).');
    const item = (await queue(h)).items.find((i) => i.outputId === outputId)!;
    expect(item.flags.map((f) => [f.check, f.result])).toEqual([['nsfw', 'fail']]);
    expect(h.eventsOf('quality.checked').at(-1)).toEqual({ outputIds: [outputId], runIds: [run.id] });
  });

  it("a provider's flag fails NSFW with the model's scores beside it, and sends the output to review", async () => {
    const flag = { field: 'has_nsfw_concepts' as const, flagged: true, ratings: [] };
    const h = makeHarness({
      catalog: testCatalog(testProvider('pa')),
      routes: testRoutes([{ provider: 'pa' }]),
      adapters: {
        pa: scriptedAdapter('pa', [], {
          outcome: 'ok',
          images: 1,
          bytes: new Uint8Array(await scene(12)),
          safety: [flag],
        }),
      },
      keys: ['pa'],
      extra: { quality: { models: planted({ porn: 0.02, sexy: 0.05, neutral: 0.93 }) } },
    });
    const run = await generated(h);
    expect(run.outputs[0]!.providerSafety).toEqual(flag);
    const outputId = run.outputs[0]!.id;
    const { checks } = await h.call<{ checks: QualityCheckRecord[] }>('quality.output', { outputId });
    const nsfw = checks.find((c) => c.check === 'nsfw')!;
    expect(nsfw).toMatchObject({
      result: 'fail',
      version: 'nsfw@2/planted-nsfw@1',
      details: { scores: { porn: 0.02, sexy: 0.05, neutral: 0.93 }, providerFlag: flag },
    });
    expect(nsfw.reason).toMatch(/^Flagged by fal's safety checker, though the NSFW model scored it under/);
    const item = (await queue(h)).items.find((i) => i.outputId === outputId)!;
    expect(item.flags.map((f) => [f.check, f.result])).toEqual([['nsfw', 'fail']]);
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
    const started = await h.call<{ revision: number }>('quality.rerun', {});
    await h.core.quality.idle();
    const done = await h.call<{ revision: number }>('quality.progress', {});
    expect(done).toMatchObject({ state: 'done', done: 1, total: 1, references: 0 });
    // Each change is a newer revision, so a late answer cannot pass for the newest report.
    expect(done.revision).toBeGreaterThan(started.revision);
    expect(h.eventsOf('quality.progress').at(-1)).toEqual(done);
  });

  it('a library re-run cancelled part way stops after the images in hand and says so', async () => {
    const h = setupWithBytes(await scene(11), planted({ porn: 0 }));
    for (let i = 0; i < 3; i++) await generated(h, { prompt: `run ${i}` });
    expect(await h.call('quality.rerun', {})).toMatchObject({
      state: 'running',
      done: 0,
      total: 3,
      references: 0,
    });
    expect(await h.call('quality.cancelRerun', {})).toMatchObject({ state: 'running' });
    await h.core.quality.idle();
    const end = await h.call<{ state: string; done: number; total: number }>('quality.progress', {});
    expect(end).toMatchObject({ state: 'cancelled', done: 2, total: 3, references: 0 });
    expect(h.eventsOf('quality.progress').at(-1)).toEqual(end);
  });
});

// ---------------------------------------------------------------- reference images

/** Planted NSFW scores that count their calls and the most classifications at once. */
function countingModels(scores: Record<string, number>) {
  const seen = { calls: 0, open: 0, peak: 0 };
  const models: QualityModels = {
    nsfw: async () => ({
      version: 'planted-nsfw@1',
      categories: Object.keys(scores),
      classify: async () => {
        seen.calls += 1;
        seen.open += 1;
        seen.peak = Math.max(seen.peak, seen.open);
        await new Promise((resolve) => setTimeout(resolve, 5));
        seen.open -= 1;
        return scores;
      },
    }),
    ocr: async () => ({ version: 'planted-ocr@1', read: async () => [] }),
    dispose: async () => {},
  };
  return { models, seen };
}

async function importReferences(h: Harness, images: Buffer[]): Promise<Reference[]> {
  const { results } = await h.call<{ results: ReferenceImportResult[] }>('references.import', {
    files: images.map((image, i) => ({ name: `ref-${i}.png`, dataBase64: image.toString('base64') })),
  });
  await h.core.quality.idle();
  return results.map((r) => {
    if (r.status !== 'imported') throw new Error(`not imported: ${r.name}`);
    return r.reference;
  });
}

describe('imported reference images', () => {
  it('are classified by the NSFW model with the thresholds of Settings → Quality, and show it when listed', async () => {
    const { models } = countingModels({ porn: 0.71, sexy: 0.2, neutral: 0.09 });
    const h = setupWithBytes(await scene(30), models);
    const [reference] = await importReferences(h, [await scene(31)]);
    const detail = await h.call<Reference>('references.get', { id: reference!.id });
    expect(detail.checks).toEqual([
      {
        check: 'nsfw',
        result: 'fail',
        score: 0.71,
        threshold: 0.6,
        version: 'nsfw@2/planted-nsfw@1',
        reason: 'Classified "porn" at 71% (threshold 60%).',
        details: { scores: { porn: 0.71, sexy: 0.2, neutral: 0.09 }, category: 'porn' },
        checkedAt: expect.any(Number),
      },
    ]);
    const page = await h.call<{ items: Reference[] }>('references.list', {});
    expect(page.items[0]!.checks.map((c) => [c.check, c.result])).toEqual([['nsfw', 'fail']]);
    expect(h.eventsOf('quality.referencesChecked')).toEqual([{ ids: [reference!.id] }]);
    // It is in the near-duplicate index too: an output that copies it is found.
    expect(h.core.quality.index.size).toBe(1);
  });

  it('with no models the reference reads "not run" with the cause; with NSFW off everywhere it is only hashed', async () => {
    const h = setupWithBytes(await scene(32));
    const [missing] = await importReferences(h, [await scene(33)]);
    const checks = (await h.call<Reference>('references.get', { id: missing!.id })).checks;
    expect(checks).toEqual([
      expect.objectContaining({
        check: 'nsfw',
        result: 'not_run',
        reason: expect.stringMatching(/^Not run: the NSFW model could not load \(.*no model module/),
      }),
    ]);

    const { models, seen } = countingModels({ porn: 0.01 });
    const off = setupWithBytes(await scene(34), models);
    await off.call('quality.saveSettings', {
      settings: { ...DEFAULT_QUALITY_SETTINGS, routes: { ...DEFAULT_QUALITY_SETTINGS.routes, nsfw: [] } },
    });
    const [plain] = await importReferences(off, [await scene(35)]);
    expect((await off.call<Reference>('references.get', { id: plain!.id })).checks).toEqual([]);
    expect(seen.calls).toBe(0);
    expect(off.core.quality.index.size).toBe(1);
  });

  it('are classified once: renaming or tagging does not run the model again; deleting leaves the index', async () => {
    const { models, seen } = countingModels({ porn: 0.01, neutral: 0.99 });
    const h = setupWithBytes(await scene(36), models);
    const [reference] = await importReferences(h, [await scene(37)]);
    expect(seen.calls).toBe(1);
    await h.call('references.update', { id: reference!.id, name: 'renamed', tags: ['sky'] });
    await h.core.quality.idle();
    expect(seen.calls).toBe(1);
    expect((await h.call<Reference>('references.get', { id: reference!.id })).checks[0]).toMatchObject({
      result: 'pass',
      reason: null,
    });
    await h.call('references.delete', { id: reference!.id });
    await h.core.quality.idle();
    expect(h.core.quality.index.size).toBe(0);
  });

  it('the library re-run classifies every reference again with the thresholds of now, counted in its progress', async () => {
    const { models, seen } = countingModels({ porn: 0.3, neutral: 0.7 });
    const h = setupWithBytes(await scene(38), models);
    await generated(h);
    const references = await importReferences(h, [await scene(39), await scene(40)]);
    expect(seen.calls).toBe(3);
    for (const r of references) {
      expect((await h.call<Reference>('references.get', { id: r.id })).checks[0]!.result).toBe('pass');
    }
    await h.call('quality.saveSettings', {
      settings: { ...DEFAULT_QUALITY_SETTINGS, nsfwThresholds: { porn: 0.25 } },
    });
    expect(await h.call('quality.rerun', {})).toMatchObject({
      state: 'running',
      done: 0,
      total: 3,
      references: 2,
    });
    await h.core.quality.idle();
    expect(await h.call('quality.progress', {})).toMatchObject({
      state: 'done',
      done: 3,
      total: 3,
      references: 2,
    });
    expect(seen.calls).toBe(6);
    for (const r of references) {
      expect((await h.call<Reference>('references.get', { id: r.id })).checks[0]).toMatchObject({
        result: 'fail',
        threshold: 0.25,
        reason: 'Classified "porn" at 30% (threshold 25%).',
      });
    }
  });
});

// ---------------------------------------------------------------- imported runs

describe('runs imported from other tools', () => {
  it('go through the gate like generated runs, one image at a time behind the import', async () => {
    const { models, seen } = countingModels({ porn: 0.02, neutral: 0.98 });
    const h = setupWithBytes(await scene(50), models);
    const folder = mkdtempSync(path.join(os.tmpdir(), 'atelier-quality-import-'));
    try {
      const images = await Promise.all([51, 52, 53, 54, 55].map((seed) => scene(seed)));
      // The last file is the first one recompressed: a near-duplicate of an imported image.
      images.push(await sharp(images[0]!).jpeg({ quality: 70 }).toBuffer());
      for (const [i, image] of images.entries())
        writeFileSync(path.join(folder, `made-elsewhere-${i}.png`), image);
      const started = await h.call<ImportReport>('imports.start', { paths: [folder] });
      let report = started;
      while (report.state === 'running') {
        await new Promise((resolve) => setTimeout(resolve, 20));
        report = await h.call<ImportReport>('imports.get', { id: started.id });
      }
      await h.core.quality.idle();
      expect(report.runIds).toHaveLength(6);
      // Every image classified, never two at once (the gate's bound, whatever the import's own concurrency).
      expect(seen.calls).toBe(6);
      expect(seen.peak).toBe(1);
      const results = await Promise.all(
        report.runIds.map((runId) => h.call<{ checks: QualityCheckRecord[] }>('quality.run', { runId })),
      );
      for (const { checks } of results) {
        expect(checks.map((c) => c.check).sort()).toEqual(['blank', 'duplicate', 'nsfw', 'size']);
        expect(checks.find((c) => c.check === 'size')!.result).toBe('pass');
      }
      const duplicates = results.flatMap(({ checks }) =>
        checks.filter((c) => c.check === 'duplicate' && c.result === 'fail'),
      );
      expect(duplicates).toHaveLength(1);
      expect(duplicates[0]!.reason).toMatch(/^Nearly the same image as output \d+ of run \d+/);
      const flagged = (await queue(h)).items.filter((i) => i.flags.length > 0);
      expect(flagged.map((i) => i.outputId)).toEqual([duplicates[0]!.outputId]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
