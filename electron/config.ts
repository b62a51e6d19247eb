import os from 'node:os';
import path from 'node:path';
import type { Catalog } from './core/providers/catalog';

export interface LaunchConfig {
  dataDir: string;
  environmentKeys: Record<string, string>;
  endpoints: Record<string, string>;
}

/** Reads what a launch may configure from the environment; the core itself never reads process.env. */
export function readLaunchConfig(
  env: NodeJS.ProcessEnv,
  catalog: Catalog,
  defaultDataDir: string,
): LaunchConfig {
  const environmentKeys: Record<string, string> = {};
  const endpoints: Record<string, string> = {};
  for (const provider of catalog.providers) {
    const key = env[`ATELIER_KEY_${provider.keyEnv}`]?.trim();
    if (key) environmentKeys[provider.id] = key;
    const endpoint = env[`ATELIER_ENDPOINT_${provider.keyEnv}`]?.trim();
    if (endpoint) {
      const url = new URL(endpoint); // Throws with the bad value named, at launch, not at first use.
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new Error(`ATELIER_ENDPOINT_${provider.keyEnv} must be an http(s) URL, got ${endpoint}`);
      }
      endpoints[provider.id] = url.toString().replace(/\/+$/, '');
    }
  }
  const dataDir = env.ATELIER_DATA_DIR?.trim() ? path.resolve(env.ATELIER_DATA_DIR) : defaultDataDir;
  return { dataDir, environmentKeys, endpoints };
}

/** Where Electron's userData would be for "Atelier", for browser mode without ATELIER_DATA_DIR. */
export function defaultUserDataDir(): string {
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Atelier');
  if (process.platform === 'win32')
    return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Atelier');
  return path.join(process.env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Atelier');
}
