import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Result } from '../../shared/result';
import { createHandlers } from './api/handlers';
import { type HandlerTable, invokeCall } from './api/invoke';
import { createGenerationService, type GenerationService } from './dispatch/generation';
import { createEventBus, type EventBus } from './events';
import { createRunsRepo } from './history/runs-repo';
import { createMediaStore, resolveInside } from './media';
import { type Clock, type FetchLike, type Logger, systemClock } from './ports';
import { type Catalog, loadCatalog } from './providers/catalog';
import { adapters as builtInAdapters } from './providers/registry';
import type { ProviderAdapter } from './providers/types';
import { closeDatabase, openDatabase } from './store/db';
import { createKeysRepo } from './store/keys-repo';
import { createKeyRing } from './vault/keyring';
import type { Vault } from './vault/vault';

export interface CoreOptions {
  dataDir: string;
  vault: Vault;
  log: Logger;
  mode: 'desktop' | 'browser';
  version: string;
  fetch?: FetchLike;
  clock?: Clock;
  catalog?: Catalog;
  adapters?: Record<string, ProviderAdapter>;
  /** provider id -> key given at launch (ATELIER_KEY_<PROVIDER>). */
  environmentKeys?: Record<string, string>;
  /** provider id -> base URL override (ATELIER_ENDPOINT_<PROVIDER>). */
  endpoints?: Record<string, string>;
  attemptTimeoutMs?: number;
}

export interface Core {
  dataDir: string;
  handlers: HandlerTable;
  events: EventBus;
  generation: GenerationService;
  catalog: Catalog;
  /** Parses, runs and wraps one call; what every transport uses. */
  invoke(name: unknown, input: unknown): Promise<Result<unknown>>;
  /** An absolute path for a stored media file, or null when the path is not one of ours. */
  resolveMedia(relativePath: string): string | null;
  close(): Promise<void>;
}

export const DATABASE_FILE = 'atelier.db';

/** Builds the whole Electron-free core; every outside effect comes in through `options`. */
export function createCore(options: CoreOptions): Core {
  const { dataDir, log } = options;
  const clock = options.clock ?? systemClock;
  const fetch = options.fetch ?? globalThis.fetch;
  mkdirSync(dataDir, { recursive: true });
  const catalog = options.catalog ?? loadCatalog();
  const db = openDatabase(path.join(dataDir, DATABASE_FILE));
  const runs = createRunsRepo(db);
  const interrupted = runs.interruptUnfinished(clock.now(), 'Atelier stopped while this run was in flight.');
  if (interrupted.length > 0)
    log.warn('runs interrupted by the previous shutdown', { count: interrupted.length });

  const events = createEventBus((error) =>
    log.error('event listener failed', { error: error instanceof Error ? error.message : String(error) }),
  );
  const keys = createKeyRing({
    vault: options.vault,
    repo: createKeysRepo(db),
    clock,
    environmentKeys: options.environmentKeys ?? {},
  });
  const adapters = options.adapters ?? builtInAdapters;
  const endpoints = options.endpoints ?? {};
  const media = createMediaStore({ dataDir });
  const generation = createGenerationService({
    runs,
    media,
    keys,
    catalog,
    adapters,
    endpoints,
    fetch,
    clock,
    log,
    events,
    attemptTimeoutMs: options.attemptTimeoutMs,
  });
  const handlers = createHandlers({
    app: { name: 'Atelier', version: options.version, mode: options.mode, dataDir },
    catalog,
    adapters,
    endpoints,
    keys,
    runs,
    generation,
    events,
    fetch,
    clock,
  });

  return {
    dataDir,
    handlers,
    events,
    generation,
    catalog,
    invoke: (name, input) => invokeCall(handlers, name, input, log),
    resolveMedia(relativePath) {
      // Only the two content-addressed folders are ever served; `..`, absolute paths and backslashes are not ours.
      if (!/^(media|thumbs)(\/[A-Za-z0-9._-]+)+$/.test(relativePath)) return null;
      if (relativePath.split('/').some((segment) => segment === '..' || segment === '.')) return null;
      return resolveInside(dataDir, relativePath);
    },
    async close() {
      await generation.shutdown();
      closeDatabase(db);
    },
  };
}
