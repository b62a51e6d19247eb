import sharp from 'sharp';
import phash from 'sharp-phash';
import { AppError, type AppErrorShape } from '../../../shared/result';
import type { CreateQualityModels, EncodedImage, OcrLine, QualityModels } from './models';
import { bitsToHex } from './phash-index';

/**
 * The measuring half of the gate, run on a worker thread (or in process in tests): it decodes the image and
 * runs the models; the main thread judges the facts against the settings and the near-duplicate index.
 */
export interface ImageFacts {
  /** The decoded size (what the file really is). */
  width: number;
  height: number;
  /** Mean standard deviation of the colour channels, 0..255: how much the frame varies. */
  detail: number;
  /** Mean of each colour channel: what colour a blank frame is. */
  mean: number[];
  /** 64-bit perceptual hash, 16 hex digits (sharp-phash). */
  phash: string;
  nsfw?: ModelAnswer<{ scores: Record<string, number> }>;
  ocr?: ModelAnswer<{ lines: OcrLine[] }>;
  /** Milliseconds each step took (stats, phash, nsfw, ocr). */
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

export function createMeasure(models: QualityModels): Measure {
  return async (image, wants) => {
    const timings: Record<string, number> = {};
    let started = performance.now();
    const decoded = sharp(image, { failOn: 'error' });
    const [meta, stats] = await Promise.all([decoded.metadata(), decoded.stats()]);
    const colour = stats.channels.slice(0, meta.hasAlpha ? stats.channels.length - 1 : stats.channels.length);
    const detail = colour.reduce((sum, c) => sum + c.stdev, 0) / colour.length;
    timings.stats = performance.now() - started;

    started = performance.now();
    const hash = bitsToHex(await phash(image));
    timings.phash = performance.now() - started;

    const facts: ImageFacts = {
      width: meta.width ?? 0,
      height: meta.height ?? 0,
      detail,
      mean: colour.map((c) => c.mean),
      phash: hash,
      timings,
    };
    if (wants.nsfw) {
      facts.nsfw = await timed(timings, 'nsfw', 'NSFW', async () => {
        const model = await models.nsfw();
        return { version: model.version, scores: await model.classify(image) };
      });
    }
    if (wants.ocr) {
      facts.ocr = await timed(timings, 'ocr', 'OCR', async () => {
        const model = await models.ocr();
        return { version: model.version, lines: await model.read(image) };
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
