// The packaging config as electron-builder itself reads it: the Electron fuses flipped in the shipped binary.
import path from 'node:path';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
// electron-builder's own library (its dependency, pinned by electron-builder's exact version): the package
// entry first, so its modules load in their own order.
import { PlatformPackager } from 'app-builder-lib';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util';
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
});
