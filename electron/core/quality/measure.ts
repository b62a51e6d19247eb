import sharp from 'sharp';
import phash from 'sharp-phash';
import { AppError, type AppErrorShape } from '../../../shared/result';
import type { CreateQualityModels, DecodedImage, EncodedImage, OcrLine, QualityModels } from './models';
import { bitsToHex } from './phash-index';

/**
 * The measuring half of the gate, run on a worker thread (or in process in tests): it decodes the image and
 * runs the models; the main thread judges the facts against the settings and the near-duplicate index.
 */
export interface ImageFacts {
  /** The decoded size, upright (what the file really shows). */
  width: number;
  height: number;
  /** Mean standard deviation of the colour channels, 0..255: how much the frame varies. */
  detail: number;
  /** Mean of each colour channel (R, G, B): what colour a blank frame is. */
  mean: number[];
  /** 64-bit perceptual hash, 16 hex digits (sharp-phash). */
  phash: string;
  nsfw?: ModelAnswer<{ scores: Record<string, number> }>;
  ocr?: ModelAnswer<{ lines: OcrLine[] }>;
  /** Milliseconds each step took (decode, stats, phash, nsfw, ocr). */
  timings: Record<string, number>;
}

export type ModelAnswer<T> = ({ ok: true; version: string } & T) | { ok: false; error: AppErrorShape };

export interface MeasureWants {
  nsfw: boolean;
  ocr: boolean;
}

export type Measure = (image: EncodedImage, wants: MeasureWants) => Promise<ImageFacts>;

/**
 * Loads the models module at `modulePath` (in the built app `dist-electron/quality-models.mjs`) once and
 * builds its `QualityModels`; a module that cannot be imported, or exports no `createQualityModels`, gives
 * models that reject every load with `model_unavailable` naming the cause.
 */
export function modelsFromModule(modulePath: string, options: { threads?: number } = {}): QualityModels {
  let loaded: Promise<QualityModels> | null = null;
  const load = () => {
    loaded ??= import(modulePath).then(
      (module: { createQualityModels?: CreateQualityModels }) => {
        if (typeof module.createQualityModels !== 'function') {
          throw new AppError('model_unavailable', `${modulePath} exports no createQualityModels`, {
            details: { module: modulePath, cause: 'no createQualityModels export' },
          });
        }
        return module.createQualityModels(options);
      },
      (error: unknown) => {
        const cause = error instanceof Error ? error.message : String(error);
        throw new AppError('model_unavailable', `The quality models could not load: ${cause}`, {
          details: { module: modulePath, cause },
        });
      },
    );
    return loaded;
  };
  return {
    nsfw: async () => (await load()).nsfw(),
    ocr: async () => (await load()).ocr(),
    async dispose() {
      if (!loaded) return;
      const models = await loaded.catch(() => null);
      await models?.dispose();
    },
  };
}

function asShape(error: unknown, model: string): AppErrorShape {
  if (error instanceof AppError) return error.toShape();
  const cause = error instanceof Error ? error.message : String(error);
  return {
    code: 'model_unavailable',
    message: `The ${model} model failed: ${cause}`,
    details: { model, cause },
  };
}

/** Runs one model step, timing it; a failure becomes the answer's error (the check then reads "not run"). */
async function timed<T extends { version: string }>(
  timings: Record<string, number>,
  step: string,
  model: string,
  run: () => Promise<T>,
): Promise<ModelAnswer<Omit<T, 'version'>>> {
  const started = performance.now();
  try {
    return { ok: true, ...(await run()) } as ModelAnswer<Omit<T, 'version'>>;
  } catch (error) {
    return { ok: false, error: asShape(error, model) };
  } finally {
    timings[step] = performance.now() - started;
  }
}

/**
 * Mean and standard deviation of each colour channel (alpha left out), read straight from the pixels: one
 * pass over the decoded image, cheaper than a second libvips pipeline.
 */
export function channelStats(image: DecodedImage): { mean: number[]; stdev: number[] } {
  const { data, channels } = image;
  const sums = [0, 0, 0];
  const squares = [0, 0, 0];
  for (let i = 0; i < data.length; i += channels) {
    const r = data[i]!;
    const g = data[i + 1]!;
    const b = data[i + 2]!;
    sums[0]! += r;
    sums[1]! += g;
    sums[2]! += b;
    squares[0]! += r * r;
    squares[1]! += g * g;
    squares[2]! += b * b;
  }
  const n = Math.max(1, data.length / channels);
  const mean = sums.map((sum) => sum / n);
  const stdev = squares.map((square, c) => Math.sqrt(Math.max(0, square / n - mean[c]! ** 2)));
  return { mean, stdev };
}

/** Decodes once, upright, to 8-bit sRGB (alpha kept): what every check and model reads. */
async function decode(image: EncodedImage): Promise<DecodedImage> {
  const { data, info } = await sharp(image, { failOn: 'error' })
    .rotate()
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 && info.channels !== 4)
    throw new Error(`decoded to ${info.channels} channels, not RGB or RGBA`);
  return { data, width: info.width, height: info.height, channels: info.channels };
}

export function createMeasure(models: QualityModels): Measure {
  return async (image, wants) => {
    const timings: Record<string, number> = {};
    let started = performance.now();
    const decoded = await decode(image);
    timings.decode = performance.now() - started;

    started = performance.now();
    const stats = channelStats(decoded);
    const detail = stats.stdev.reduce((sum, s) => sum + s, 0) / stats.stdev.length;
    timings.stats = performance.now() - started;

    started = performance.now();
    const raw = { width: decoded.width, height: decoded.height, channels: decoded.channels };
    const hash = bitsToHex(await phash(decoded.data, { raw }));
    timings.phash = performance.now() - started;

    const facts: ImageFacts = {
      width: decoded.width,
      height: decoded.height,
      detail,
      mean: stats.mean,
      phash: hash,
      timings,
    };
    if (wants.nsfw) {
      facts.nsfw = await timed(timings, 'nsfw', 'NSFW', async () => {
        const model = await models.nsfw();
        return { version: model.version, scores: await model.classify(decoded) };
      });
    }
    if (wants.ocr) {
      facts.ocr = await timed(timings, 'ocr', 'OCR', async () => {
        const model = await models.ocr();
        return { version: model.version, lines: await model.read(decoded) };
      });
    }
    return facts;
  };
}

/** Models that are not there: every load rejects with `model_unavailable` and the cause. */
export function unavailableModels(cause: string): QualityModels {
  const fail = async (): Promise<never> => {
    throw new AppError('model_unavailable', `The quality models are not available: ${cause}`, {
      details: { cause },
    });
  };
  return { nsfw: fail, ocr: fail, dispose: async () => {} };
}
