// The real offline models on images made here: text rendered with sharp from SVG read back by OCR, ordinary
// images scored low by the NSFW classifier, and a missing or broken model file refused as model_unavailable.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/result';
import type { QualityModels } from '../models';
import { packageDir } from './files';
import { createQualityModels } from './index';

/** The words read, spaces left out: the recogniser does not always see the gap between two words. */
function squeezed(lines: ReadonlyArray<{ text: string }>): string[] {
  return lines.map((line) => line.text.replace(/\s+/g, ''));
}

/** Loading takes a few seconds on a shared 2-core machine: once per file. */
const LOAD_TIMEOUT = 60_000;

function svgText(lines: readonly string[], size = 1024): Buffer {
  const rows = lines
    .map(
      (line, i) =>
        `<text x="${size / 2}" y="${size / 2 + (i - (lines.length - 1) / 2) * 150}" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="90" text-anchor="middle" dominant-baseline="middle" fill="#1b1b1b">${line}</text>`,
    )
    .join('');
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="100%" height="100%" fill="#f4efe6"/>${rows}</svg>`,
  );
}

async function rendered(lines: readonly string[], format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const image = sharp(svgText(lines));
  return format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 80 }).toBuffer();
}

function gradient(): Promise<Buffer> {
  const width = 768;
  const height = 512;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      pixels[at] = Math.round((x / width) * 255);
      pixels[at + 1] = Math.round((y / height) * 255);
      pixels[at + 2] = 160;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .webp()
    .toBuffer();
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('quality models, loaded from node_modules', () => {
  let models: QualityModels;
  beforeAll(() => {
    models = createQualityModels({ threads: 1 });
  });
  afterAll(async () => {
    await models.dispose();
  });

  it(
    'OCR reads text rendered from SVG: the right spelling as written, a misspelling as misspelt',
    async () => {
      const ocr = await models.ocr();
      expect(ocr.version).toMatch(/^paddleocr-v4@\d+\.\d+\.\d+$/);
      const right = await ocr.read(await rendered(['OPEN 24/7']));
      expect(squeezed(right)).toEqual(['OPEN24/7']);
      expect(right[0]!.confidence).toBeGreaterThan(0.8);
      const wrong = await ocr.read(await rendered(['OPENN 24/7'], 'jpeg'));
      expect(squeezed(wrong)).toEqual(['OPENN24/7']);
    },
    LOAD_TIMEOUT,
  );

  it('OCR gives lines top to bottom, and nothing for an image without text', async () => {
    const ocr = await models.ocr();
    const lines = await ocr.read(await rendered(['GRAND', 'OPENING']));
    expect(squeezed(lines)).toEqual(['GRAND', 'OPENING']);
    expect(await ocr.read(await gradient())).toEqual([]);
  });

  it('OCR reads black text on a transparent background, and a greyscale JPEG', async () => {
    const ocr = await models.ocr();
    const transparent = await sharp(
      Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="400"><text x="400" y="220" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="90" text-anchor="middle" fill="#000">NO EXIT</text></svg>',
      ),
    )
      .png()
      .toBuffer();
    expect((await sharp(transparent).metadata()).hasAlpha).toBe(true);
    expect(squeezed(await ocr.read(transparent))).toEqual(['NOEXIT']);
    const grey = await sharp(await rendered(['EXIT 12']))
      .extractChannel(0)
      .jpeg()
      .toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    expect(squeezed(await ocr.read(grey))).toEqual(['EXIT12']);
    const nsfw = await models.nsfw();
    expect(Object.keys(await nsfw.classify(grey))).toHaveLength(5);
    expect(Object.keys(await nsfw.classify(transparent))).toHaveLength(5);
  });

  it('OCR reads images handed in at once, one after another', async () => {
    const ocr = await models.ocr();
    const [a, b] = await Promise.all([
      ocr.read(await rendered(['SALE'])),
      ocr.read(await rendered(['CAFE 9AM'])),
    ]);
    expect(a.map((line) => line.text)).toEqual(['SALE']);
    expect(squeezed(b)).toEqual(['CAFE9AM']);
  });

  it(
    'ordinary images (flat colour, gradient, rendered text) score below the NSFW threshold',
    async () => {
      const nsfw = await models.nsfw();
      expect(nsfw.version).toMatch(/^nsfwjs-mobilenet_v2@\d+\.\d+\.\d+$/);
      expect([...nsfw.categories]).toEqual(['drawing', 'hentai', 'neutral', 'porn', 'sexy']);
      const flat = await sharp({
        create: { width: 1024, height: 1024, channels: 3, background: '#3366aa' },
      })
        .png()
        .toBuffer();
      for (const image of [flat, await gradient(), await rendered(['OPEN 24/7'], 'jpeg')]) {
        const scores = await nsfw.classify(image);
        expect(Object.keys(scores).sort()).toEqual([...nsfw.categories]);
        const sum = Object.values(scores).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(1, 3);
        for (const unsafe of ['porn', 'hentai', 'sexy']) expect(scores[unsafe]).toBeLessThan(0.2);
      }
    },
    LOAD_TIMEOUT,
  );

  it('each model loads once', async () => {
    expect(await models.nsfw()).toBe(await models.nsfw());
    expect(await models.ocr()).toBe(await models.ocr());
  });
});

describe('a model that cannot load is model_unavailable', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'atelier-models-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('an OCR model path that is wrong: named, with the cause, and the same again on the next call', async () => {
    const models = createQualityModels({ files: { ocrDetection: path.join(scratch, 'missing-det.onnx') } });
    const first = await rejection(models.ocr());
    expect(first.code).toBe('model_unavailable');
    expect(first.message).toMatch(
      /^The OCR \(PaddleOCR v4 on onnxruntime\) could not load: .*missing-det\.onnx/,
    );
    expect(first.details).toMatchObject({ model: 'ocr' });
    const second = await rejection(models.ocr());
    expect(second.code).toBe('model_unavailable');
    expect(second.message).toBe(first.message);
    await models.dispose();
  });

  it('an OCR model file that is not a model', async () => {
    const broken = path.join(scratch, 'broken-rec.onnx');
    await writeFile(broken, 'not an onnx graph');
    const models = createQualityModels({ files: { ocrRecognition: broken } });
    const error = await rejection(models.ocr());
    expect(error.code).toBe('model_unavailable');
    expect(error.details).toMatchObject({ model: 'ocr' });
  });

  it(
    'the NSFW weights file removed from the model folder',
    async () => {
      const copy = path.join(scratch, 'mobilenet_v2');
      await cp(path.join(packageDir('nsfwjs', 2), 'dist', 'models', 'mobilenet_v2'), copy, {
        recursive: true,
      });
      await rm(path.join(copy, 'group1-shard1of1.min.js'));
      const models = createQualityModels({ files: { nsfwModelDir: copy } });
      const error = await rejection(models.nsfw());
      expect(error.code).toBe('model_unavailable');
      expect(error.message).toMatch(/^The NSFW classifier \(nsfwjs MobileNetV2\) could not load: /);
      expect(error.details).toMatchObject({ model: 'nsfw' });
      expect((await rejection(models.nsfw())).message).toBe(error.message);
      // The other model is untouched by the first one's failure.
      expect((await models.ocr()).version).toMatch(/^paddleocr-v4@/);
      await models.dispose();
    },
    LOAD_TIMEOUT,
  );
});
