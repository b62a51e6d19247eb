// Files leaving the library through a real core: the download of an original carries the run's parameters and
// provenance per the setting, the library's file stays byte for byte as it was, and Copy for Midjourney renders
// a request (through its style) or a run.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import exifr from 'exifr';
import extractChunks from 'png-chunks-extract';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { StyleDetail } from '../../../shared/library-contract';
import { AtelierProvenance } from '../../../shared/provenance';
import { scriptedAdapter, testCatalog, testProvider, testRoutes } from '../../../test/support/dispatch';
import { type Harness, makeHarness } from '../../../test/support/harness';

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

function setup(bytes?: Uint8Array) {
  const h = makeHarness({
    catalog: testCatalog(testProvider('pa', { seed: true })),
    routes: testRoutes([{ provider: 'pa' }]),
    adapters: { pa: scriptedAdapter('pa', [], bytes ? { outcome: 'ok', bytes } : { outcome: 'ok' }) },
    keys: ['pa'],
  });
  open.push(h);
  return h;
}

/** keyword → text of the PNG's tEXt and iTXt chunks (uncompressed iTXt), read with the CRC-checking extractor. */
function texts(png: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const chunk of extractChunks(png)) {
    const data = Buffer.from(chunk.data);
    const nul = data.indexOf(0);
    const keyword = data.toString('latin1', 0, nul);
    if (chunk.name === 'tEXt') out[keyword] = data.toString('latin1', nul + 1);
    if (chunk.name === 'iTXt') {
      const translated = data.indexOf(0, data.indexOf(0, nul + 3) + 1);
      out[keyword] = data.toString('utf8', translated + 1);
    }
  }
  return out;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('download of an original', () => {
  it('carries parameters and provenance by default; the library file is untouched', async () => {
    const h = setup();
    const run = await h.generate({ prompt: 'a lighthouse, at dusk', negativePrompt: 'blur', seed: 77 });
    const output = run.outputs[0]!;
    await h.call('review.decide', {
      outputIds: [output.id],
      decision: { status: 'approved', approvalRef: 'BR-9' },
    });
    const stored = path.join(h.dataDir, output.path);
    const before = readFileSync(stored);

    expect(await h.call('metadata.getMode')).toEqual({ mode: 'full' });
    const file = await h.core.outgoingOriginal(output.id);
    expect(file.fileName).toBe(`atelier-run-${run.id}-1.png`);
    expect(file.contentType).toBe('image/png');
    const found = texts(file.bytes);
    expect(found.parameters).toBe(
      'a lighthouse, at dusk\nNegative prompt: blur\nSeed: 77, Size: 4x4, Model: pa-1, Provider: PA',
    );
    const provenance = AtelierProvenance.parse(JSON.parse(found.atelier!));
    expect(provenance).toMatchObject({
      atelierVersion: '0.0.0-test',
      run: { id: run.id, provider: 'pa', model: 'pa-1', seed: 77 },
      image: { sha256: output.sha256, width: 4, height: 4 },
      attempts: [{ provider: 'pa', model: 'pa-1', outcome: 'ok' }],
      review: { status: 'approved', approvalRef: 'BR-9' },
    });
    // Same pixels; the stored original is byte for byte what it was, and still hashes to its name.
    expect((await sharp(file.bytes).raw().toBuffer()).equals(await sharp(before).raw().toBuffer())).toBe(
      true,
    );
    expect(readFileSync(stored).equals(before)).toBe(true);
    expect(sha256(readFileSync(stored))).toBe(output.sha256);
  });

  it('follows the setting: parameters only, then strip (nothing)', async () => {
    const h = setup();
    const run = await h.generate({ prompt: 'a chair', seed: 5 });
    const id = run.outputs[0]!.id;
    expect(await h.call('metadata.setMode', { mode: 'parameters' })).toEqual({ mode: 'parameters' });
    expect(Object.keys(texts((await h.core.outgoingOriginal(id)).bytes))).toEqual(['parameters']);
    await h.call('metadata.setMode', { mode: 'strip' });
    expect(await h.call('metadata.getMode')).toEqual({ mode: 'strip' });
    expect(h.core.metadataMode()).toBe('strip');
    expect(texts((await h.core.outgoingOriginal(id)).bytes)).toEqual({});
    await expect(h.call('metadata.setMode', { mode: 'everything' })).rejects.toThrow(/mode/);
  });

  it('a JPEG original with GPS leaves without it in strip mode, and with UserComment + XMP in full', async () => {
    const jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#806040' } })
      .withExif({
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '48/1 51/1 24/1',
          GPSLongitudeRef: 'E',
          GPSLongitude: '2/1 21/1 3/1',
        },
      })
      .jpeg()
      .toBuffer();
    const h = setup(jpeg);
    const run = await h.generate({ prompt: 'a street', seed: 9 });
    const output = run.outputs[0]!;
    expect((await exifr.gps(readFileSync(path.join(h.dataDir, output.path))))?.latitude).toBeCloseTo(
      48.857,
      2,
    );

    const full = (await h.core.outgoingOriginal(output.id)).bytes;
    expect(await exifr.gps(full)).toBeUndefined();
    const tags = await exifr.parse(full, { userComment: true, xmp: true, mergeOutput: false });
    const comment = Buffer.from(tags.userComment as Uint8Array);
    expect(comment.subarray(8).swap16().toString('utf16le')).toMatch(/^a street\nSeed: 9, Size: 40x30/);
    expect(AtelierProvenance.parse(JSON.parse(tags.atelier.provenance)).run.id).toBe(run.id);

    await h.call('metadata.setMode', { mode: 'strip' });
    const stripped = (await h.core.outgoingOriginal(output.id)).bytes;
    expect(await exifr.parse(stripped, { userComment: true, xmp: true, gps: true })).toBeUndefined();
  });

  it('an unknown output is not found', async () => {
    const h = setup();
    await expect(h.core.outgoingOriginal(999)).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('Copy for Midjourney', () => {
  it("renders the form's request through its style: flags from the style's Midjourney fields, the version noted", async () => {
    const h = setup();
    const style = await h.call<StyleDetail>('styles.create', {
      fields: {
        name: 'Neon noir',
        styleTokens: ['neon rim light'],
        negativeTerms: ['(blurry:1.3)', 'watermark'],
        overrides: {
          midjourney: { sref: ['https://cdn.example.test/ref.png'], stylize: 250, chaos: 10, version: '7' },
        },
      },
    });
    const answer = await h.call<{ text: string; notes: unknown[] }>('midjourney.prompt', {
      request: {
        prompt: 'a detective\nin the rain',
        aspectRatio: '16:9',
        seed: 42,
        style: { versionId: style.latestVersionId },
      },
    });
    expect(answer.text).toMatch(/^a detective in the rain.*neon rim light --ar 16:9 --seed 42 --no /);
    expect(answer.text).toContain('blurry, watermark');
    expect(answer.text).toMatch(
      /--sref https:\/\/cdn\.example\.test\/ref\.png --stylize 250 --chaos 10 --v 7$/,
    );
    expect(answer.notes).toEqual([{ code: 'style', name: 'Neon noir', version: 1 }]);
  });

  it('renders a run with the size of its image and its recorded seed', async () => {
    const h = setup();
    const run = await h.generate({ prompt: 'a chair', negativePrompt: 'text, logo', seed: 3 });
    const answer = await h.call<{ text: string }>('midjourney.prompt', { runId: run.id });
    expect(answer.text).toBe('a chair --ar 1:1 --seed 3 --no text, logo');
  });
});
