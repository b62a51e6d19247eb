/**
 * Offline NSFW classifier: nsfwjs's MobileNetV2 (its weights ship in the package) on TensorFlow.js with the
 * WebAssembly backend. Measured against the cpu backend (about 13× slower per image) and chosen for it; the
 * image is decoded and scaled with sharp, so TensorFlow.js never needs a DOM.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ModelImage, NsfwModel } from '../models';
import { imagePipeline } from './files';
import type { Loaded } from './ocr';

type Tf = typeof import('@tensorflow/tfjs');
type NsfwCore = typeof import('nsfwjs/core');

export interface NsfwFiles {
  /** The folder holding `model.min.js` and `group1-shard1of1.min.js` (nsfwjs/dist/models/mobilenet_v2). */
  modelDir: string;
  /** The folder holding tfjs-backend-wasm's `.wasm` files. */
  wasmDir: string;
}

/** MobileNetV2's input side. */
const SIZE = 224;

/** The categories nsfwjs scores, lower-cased as they are recorded. */
export const NSFW_CATEGORIES = ['drawing', 'hentai', 'neutral', 'porn', 'sexy'] as const;

let backendReady: Promise<void> | null = null;

/** TensorFlow.js keeps one global backend per process: set it up once. */
function wasmBackend(tf: Tf, wasmDir: string, threads: number): Promise<void> {
  backendReady ??= (async () => {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(`${wasmDir}${path.sep}`);
    wasm.setThreadsCount(threads);
    if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js could not start its wasm backend');
    await tf.ready();
  })();
  return backendReady.catch((error: unknown) => {
    backendReady = null;
    throw error;
  });
}

export async function loadNsfw(
  tf: Tf,
  nsfwjs: NsfwCore,
  files: NsfwFiles,
  version: string,
  threads: number,
): Promise<Loaded<NsfwModel>> {
  await wasmBackend(tf, files.wasmDir, threads);
  const file = (name: string) => () => import(pathToFileURL(path.join(files.modelDir, name)).href);
  const classifier = await nsfwjs.load('MobileNetV2', {
    size: SIZE,
    modelDefinitions: [
      {
        name: 'MobileNetV2',
        numOfWeightBundles: 1,
        modelJson: file('model.min.js'),
        weightBundles: [file('group1-shard1of1.min.js')],
      },
    ],
  });
  let queue: Promise<unknown> = Promise.resolve();

  async function classify(image: ModelImage): Promise<Record<string, number>> {
    const pixels = await imagePipeline(image)
      // Transparent areas read as white paper, not as the black under them.
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .resize(SIZE, SIZE, { fit: 'fill' })
      .raw()
      .toBuffer();
    const input = tf.tensor3d(new Int32Array(pixels), [SIZE, SIZE, 3], 'int32');
    try {
      const scores = await classifier.classify(input, NSFW_CATEGORIES.length);
      return Object.fromEntries(scores.map((s) => [s.className.toLowerCase(), s.probability]));
    } finally {
      input.dispose();
    }
  }

  return {
    model: {
      version,
      categories: NSFW_CATEGORIES,
      classify(image) {
        const next = queue.then(() => classify(image));
        // The chain only orders the calls; each caller still gets its own rejection from `next`.
        queue = next.catch(() => undefined);
        return next;
      },
    },
    release: async () => {
      classifier.dispose();
    },
  };
}
