// `npm run serve`: the app's core and renderer served to a browser on 127.0.0.1 (no Electron needed).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultUserDataDir, readLaunchConfig } from './config';
import { createCore } from './core';
import { consoleLogger } from './core/ports';
import { loadCatalog } from './core/providers/catalog';
import { createSessionVault } from './core/vault/vault';
import { qualityModules } from './quality-modules';
import { startLoopbackServer } from './transports/http';

declare const __ATELIER_VERSION__: string;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: process.env.ATELIER_PORT ?? '5417' } },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a port number (0 picks a free one), got "${values.port}"`);
  }
  const appRoot = path.resolve(import.meta.dirname, '..');
  const log = consoleLogger('serve');
  const catalog = loadCatalog(path.join(appRoot, 'resources', 'providers'));
  const config = readLaunchConfig(process.env, catalog, defaultUserDataDir());
  const core = createCore({
    dataDir: config.dataDir,
    vault: createSessionVault(),
    log,
    mode: 'browser',
    version: __ATELIER_VERSION__,
    catalog,
    environmentKeys: config.environmentKeys,
    endpoints: config.endpoints,
    quality: qualityModules(process.env),
    historySnapshotWorker: { script: new URL('./snapshot-worker.mjs', import.meta.url) },
  });
  const server = await startLoopbackServer({
    invoke: core.invoke,
    subscribe: core.events.subscribe,
    staticDir: path.join(appRoot, 'dist', 'renderer'),
    resolveMedia: core.resolveMedia,
    downloadOutput: core.outgoingOriginal,
    port,
    log,
  });
  process.stdout.write(`Atelier is running at ${server.launchUrl}\n`);
  process.stdout.write(`Library: ${config.dataDir}\n`);
  for (const provider of Object.keys(config.environmentKeys)) {
    process.stdout.write(`Key for ${provider} taken from the environment.\n`);
  }

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close();
    await core.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  const inUse = (error as NodeJS.ErrnoException | null)?.code === 'EADDRINUSE';
  const reason = inUse
    ? 'the port is already in use (is Atelier already running?). Pass --port 0 or set ATELIER_PORT to pick another.'
    : error instanceof Error
      ? error.message
      : String(error);
  process.stderr.write(`Atelier could not start: ${reason}\n`);
  process.exit(1);
});
