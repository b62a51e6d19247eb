// The whole gate with the real offline models, loaded through the models module as the app loads it
// (`modelsModule`, here the source of dist-electron/quality-models.mjs): a text request whose image is spelled
// right passes every check, a misspelt one fails with expected and read text, and an ordinary reference image
// is classified below the NSFW thresholds.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QualityCheckRecord } from '../../../shared/quality-contract';
import type { Reference, ReferenceImportResult } from '../../../shared/references-contract';
import type { ReviewItem } from '../../../shared/review-contract';
import { scriptedAdapter, testCatalog, testProvider, testRoutes } from '../../../test/support/dispatch';
import { type Harness, makeHarness } from '../../../test/support/harness';

/** Loading both models takes a few seconds on a shared 2-core machine. */
const MODEL_TIMEOUT = 90_000;

/** A 1024×1024 shop sign: `text` in bold letters on a warm background, as a provider would send it. */
function sign(text: string): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1024" height="1024">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#f6d365"/><stop offset="1" stop-color="#fda085"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/><rect x="112" y="392" width="800" height="240" rx="24" fill="#fbf7ef"/>
    <text x="512" y="512" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="110" text-anchor="middle" dominant-baseline="middle" fill="#1b1b1b">${text}</text></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** An ordinary photo-like picture: a sky, hills and a sun. */
function landscape(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="768" height="512">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#5b8fd6"/><stop offset="1" stop-color="#cfe3f5"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#sky)"/><circle cx="600" cy="120" r="60" fill="#ffe9a8"/>
    <path d="M0 380 Q 200 260 400 360 T 768 330 V 512 H 0 Z" fill="#4f7d3a"/>
    <path d="M0 430 Q 250 360 500 440 T 768 420 V 512 H 0 Z" fill="#36602a"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

let h: Harness;
const images: Buffer[] = [];

beforeAll(async () => {
  images.push(await sign('OPEN 24/7'), await sign('OPENN 24/7'));
  h = makeHarness({
    catalog: testCatalog(testProvider('pa')),
    routes: testRoutes([{ provider: 'pa' }]),
    adapters: {
      pa: scriptedAdapter('pa', [
        { outcome: 'ok', images: 1, bytes: new Uint8Array(images[0]!) },
        { outcome: 'ok', images: 1, bytes: new Uint8Array(images[1]!) },
      ]),
    },
    keys: ['pa'],
    extra: { quality: { modelsModule: new URL('./models/index.ts', import.meta.url).href } },
  });
});
afterAll(async () => {
  await h.close();
});

async function checksOf(runId: number): Promise<Record<string, QualityCheckRecord>> {
  const { checks } = await h.call<{ checks: QualityCheckRecord[] }>('quality.run', { runId });
  return Object.fromEntries(checks.map((c) => [c.check, c]));
}

describe('the quality gate with the real models', () => {
  it(
    'a sign spelled right passes every check; "OPENN 24/7" for "OPEN 24/7" fails with both texts',
    async () => {
      const right = await h.generate({ prompt: 'a shop sign that reads "OPEN 24/7"', aspectRatio: '1:1' });
      await h.core.quality.idle();
      const passed = await checksOf(right.id);
      expect(Object.keys(passed).sort()).toEqual(['blank', 'duplicate', 'nsfw', 'size', 'text']);
      for (const check of Object.values(passed))
        expect([check.check, check.result]).toEqual([check.check, 'pass']);
      expect(passed.text!.version).toMatch(/^ocr-levenshtein@2\/paddleocr-v4@/);
      expect(passed.text!.details).toMatchObject({ expected: 'OPEN 24/7' });
      expect(String(passed.text!.details.read).replace(/\s+/g, '')).toBe('OPEN24/7');
      expect(passed.nsfw!.version).toMatch(/^nsfw@2\/nsfwjs-mobilenet_v2@/);
      expect(passed.nsfw!.score).toBeLessThan(passed.nsfw!.threshold!);

      const wrong = await h.generate({ prompt: 'a shop sign that reads "OPEN 24/7"', aspectRatio: '1:1' });
      await h.core.quality.idle();
      const failed = await checksOf(wrong.id);
      expect(failed.text).toMatchObject({ result: 'fail', details: { expected: 'OPEN 24/7' } });
      expect(String(failed.text!.details.read).replace(/\s+/g, '')).toBe('OPENN24/7');
      expect(failed.text!.reason).toMatch(
        /^The text reads "OPENN ?24\/7", the prompt asks for "OPEN 24\/7"\.$/,
      );
      expect(failed.nsfw!.result).toBe('pass');

      const { items } = await h.call<{ items: ReviewItem[] }>('review.queue', {});
      const flags = Object.fromEntries(items.map((i) => [i.outputId, i.flags.map((f) => f.check)]));
      expect(flags[right.outputs[0]!.id]).toEqual([]);
      expect(flags[wrong.outputs[0]!.id]).toContain('text');
    },
    MODEL_TIMEOUT,
  );

  it(
    'an ordinary reference image is classified below the NSFW thresholds',
    async () => {
      const { results } = await h.call<{ results: ReferenceImportResult[] }>('references.import', {
        files: [{ name: 'hills.jpg', dataBase64: (await landscape()).toString('base64') }],
      });
      await h.core.quality.idle();
      const imported = results[0]!;
      if (imported.status !== 'imported') throw new Error(`not imported: ${JSON.stringify(imported)}`);
      const { checks } = await h.call<Reference>('references.get', { id: imported.reference.id });
      expect(checks).toHaveLength(1);
      expect(checks[0]).toMatchObject({ check: 'nsfw', result: 'pass', reason: null });
      expect(checks[0]!.version).toMatch(/^nsfw@2\/nsfwjs-mobilenet_v2@/);
      expect(Object.keys(checks[0]!.details.scores as object).sort()).toEqual([
        'drawing',
        'hentai',
        'neutral',
        'porn',
        'sexy',
      ]);
    },
    MODEL_TIMEOUT,
  );
});
