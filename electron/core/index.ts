import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError, type Result } from '../../shared/result';
import { createHandlers } from './api/handlers';
import { type HandlerTable, invokeCall } from './api/invoke';
import { type BatchService, createBatchService } from './batches';
import {
  createDispatcher,
  type Dispatcher,
  type DispatchPolicy,
  loadRoutes,
  type ShippedRoutes,
} from './dispatch';
import { createEventBus, type EventBus } from './events';
import { createAltTextService } from './export/alt-text';
import { createEncoderPool } from './export/pool';
import { loadAltTextSettings, loadLicenceNotes, loadPresets } from './export/resources';
import { createExportService, type ExportService } from './export/service';
import { createGenerationService, type GenerationService } from './generation';
import { createImportedReproducer } from './imports/reproduce';
import { createImportService } from './imports/service';
import { createStyleLibrary, loadStarterLibrary, readStarterLibrary, type StyleLibrary } from './library';
import { createMediaStore, createServedMedia, type SweepReport, sweepDataDir } from './media';
import type { EmbedMetadata, MetadataMode } from './metadata/out';
import { createMetadataService, type OutgoingFile } from './metadata/service';
import { type Clock, type DesktopShell, type FetchLike, type Logger, systemClock } from './ports';
import { type Catalog, loadCatalog } from './providers/catalog';
import { adapters as builtInAdapters } from './providers/registry';
import type { ProviderAdapter } from './providers/types';
import { createMeasure, modelsFromModule, unavailableModels } from './quality/measure';
import type { QualityModels } from './quality/models';
import { createWorkerPool, type MeasureFile } from './quality/pool';
import { createQualityService, type QualityService } from './quality/service';
import { createReferenceService } from './references';
import { createFailureModeBook, type FailureMode, loadFailureModes } from './review/failure-modes';
import {
  CONTENT_PATH,
  closeDatabase,
  createBatchesRepo,
  createBoardsRepo,
  createContentRefsRepo,
  createDispatchSettings,
  createExportsRepo,
  createHistoryRepo,
  createImportsRepo,
  createJobsRepo,
  createKeysRepo,
  createLibraryRepo,
  createLocalServersRepo,
  createOutputsRepo,
  createQualityRepo,
  createReferencesRepo,
  createRunsRepo,
  createSettingsRepo,
  createTrashRepo,
  createUsageRepo,
  openDatabase,
  type SnapshotWorkerOptions,
  snapshotReader,
} from './store';
import { createTrashService } from './trash/service';
import { createKeyRing } from './vault/keyring';
import type { Vault } from './vault/vault';

export interface CoreOptions {
  dataDir: string;
  /** The failure-mode catalog; the shipped resources/failure-modes.json when not given. */
  failureModes?: FailureMode[];
  vault: Vault;
  log: Logger;
  mode: 'desktop' | 'browser';
  /** What only the desktop shell can do (reveal a file); absent when served to a browser. */
  desktop?: DesktopShell;
  version: string;
  fetch?: FetchLike;
  clock?: Clock;
  catalog?: Catalog;
  /** Task type -> chain as shipped; resources/routes.json when absent. */
  routes?: ShippedRoutes;
  adapters?: Record<string, ProviderAdapter>;
  /** provider id -> key given at launch (ATELIER_KEY_<PROVIDER>). */
  environmentKeys?: Record<string, string>;
  /** provider id -> base URL override (ATELIER_ENDPOINT_<PROVIDER>). */
  endpoints?: Record<string, string>;
  /** Shorthand for `policy.attemptTimeoutMs`. */
  attemptTimeoutMs?: number;
  /** Retry, breaker, deadline and queue settings; the defaults where absent. */
  policy?: Partial<DispatchPolicy>;
  /** 0 ≤ random() < 1 for backoff jitter (tests pin it). */
  random?: () => number;
  /** A seed inside the range (both ends included); tests pin it. */
  randomSeed?: (range: { min: number; max: number }) => number;
  /**
   * The start-up sweep of leftover temp files and content files no row uses: when it starts after the core is
   * built (default 2 s, so first calls are not slowed), and how old a file must be (default 24 h, measured
   * with `clock`). `false` turns it off.
   */
  sweep?: { delayMs?: number; graceMs?: number } | false;
  /**
   * The quality gate's measuring: `worker` (the bundled dist-electron/quality-worker.mjs) runs it on a pool
   * of `workers` threads (default 1); without it, it runs in process (tests). The models come from `models`
   * (tests plant them) or from the module at `modelsModule` (dist-electron/quality-models.mjs), else none:
   * the NSFW and text checks then record "not run" and send the output to review.
   */
  quality?: {
    worker?: URL | string;
    workers?: number;
    execArgv?: string[];
    modelsModule?: string | null;
    models?: QualityModels;
  };
  /** Worker threads that encode exports (default: the cores, at most two). */
  exportThreads?: number;
  /**
   * History's facet snapshot is read on this worker (the bundled dist-electron/snapshot-worker.mjs), started
   * once soon after launch and whenever the snapshot must be read whole; without it, on the main thread (tests).
   */
  historySnapshotWorker?: SnapshotWorkerOptions;
}

export interface Core {
  dataDir: string;
  handlers: HandlerTable;
  events: EventBus;
  generation: GenerationService;
  batches: BatchService;
  dispatcher: Dispatcher;
  catalog: Catalog;
  library: StyleLibrary;
  quality: QualityService;
  /** Parses, runs and wraps one call; what every transport uses. */
  invoke(name: unknown, input: unknown): Promise<Result<unknown>>;
  /**
   * The real path of a stored media file, or null when the path (or where its links lead) is not ours. A missing
   * small thumbnail is made from its large one first (media/served.ts).
   */
  resolveMedia(relativePath: string): Promise<string | null>;
  /**
   * An output's original as it leaves Atelier (download, drag out): its metadata written per the setting
   * (full / parameters / strip); the library's file is never changed. Throws AppError not_found.
   */
  outgoingOriginal(outputId: number): Promise<OutgoingFile>;
  /** Writes an output's metadata into encoded bytes (batch export calls it with the mode it was given). */
  embedMetadata: EmbedMetadata;
  /** The metadata setting (Settings → Files): what export uses unless told otherwise. */
  metadataMode(): MetadataMode;
  /** Exports: tests wait on `exports.settled(id)`. */
  exports: ExportService;
  /** Exports the previous process left running, now marked interrupted with their staging removed. */
  recoveredExports: Promise<number>;
  /** What the start-up sweep removed; null when it is off or the core closed before it ran. */
  startupSweep: Promise<SweepReport | null>;
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
  const shippedRoutes = options.routes ?? loadRoutes();
  const db = openDatabase(path.join(dataDir, DATABASE_FILE));
  const runs = createRunsRepo(db, log);
  const databaseFile = path.join(dataDir, DATABASE_FILE);
  const history = createHistoryRepo(
    db,
    log,
    options.historySnapshotWorker
      ? { readAside: snapshotReader(options.historySnapshotWorker, databaseFile) }
      : {},
  );
  // Checked against the shipped starter groups and shipped providers (a test catalog may lack the named one).
  const modeTargets = {
    negativeGroups: readStarterLibrary().negatives.map((n) => n.slug),
    providers: (options.catalog ? loadCatalog() : catalog).providers.map((p) => p.id),
  };
  const failureModes = createFailureModeBook({
    shipped: options.failureModes ?? loadFailureModes(modeTargets),
    // An edited list may name any group the library holds now (one the designer made too).
    targets: () => ({
      negativeGroups: [
        ...new Set([...modeTargets.negativeGroups, ...library.negatives().map((g) => g.slug)]),
      ],
      providers: [...new Set([...modeTargets.providers, ...catalog.providers.map((p) => p.id)])],
    }),
    settings: createSettingsRepo(db, log),
    now: () => clock.now(),
  });

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
  const library = createStyleLibrary({
    repo: createLibraryRepo(db, log),
    settings: createSettingsRepo(db, log),
    catalog,
    clock,
    events,
    implemented: () => catalog.providers.filter((p) => p.id in adapters).map((p) => p.id),
  });
  try {
    loadStarterLibrary(library.repo, readStarterLibrary(), clock);
  } catch (error) {
    log.error('starter library not loaded', {
      error: error instanceof Error ? error.message : String(error),
    });
  }
  const dispatcher = createDispatcher({
    transaction: (fn) => db.transaction(fn)(),
    runs,
    jobs: createJobsRepo(db),
    usage: createUsageRepo(db),
    settings: createDispatchSettings(createSettingsRepo(db, log)),
    localServers: createLocalServersRepo(db, log),
    media,
    keys,
    vault: options.vault,
    catalog,
    adapters,
    endpoints,
    shippedRoutes,
    fetch,
    clock,
    log,
    events,
    policy: {
      ...(options.attemptTimeoutMs === undefined ? {} : { attemptTimeoutMs: options.attemptTimeoutMs }),
      ...options.policy,
    },
    random: options.random,
    randomSeed: options.randomSeed,
  });
  // Above the library and the dispatcher: prepare (render style and template) → plan → enqueue.
  const generation = createGenerationService({ library, queue: dispatcher.queue, runs, catalog });
  const references = createReferenceService({
    repo: createReferencesRepo(db, log),
    media,
    clock,
    events,
    // "Used in" and delete's refusal see the styles whose latest version attaches the reference.
    stylesUsing: (paths) => library.stylesUsing(paths),
  });
  const imports = createImportService({
    repo: createImportsRepo(db, log),
    media,
    clock,
    log,
    events,
    // Each imported image goes through the quality gate like a generated one: queued behind its ingest.
    imported: (runId) => quality.checkRun(runId),
  });
  const reproduceImported = createImportedReproducer({ imports, runs, generation });
  // Listening before the queue resumes: a resumed run's end settles its batch item.
  const batches = createBatchService({
    repo: createBatchesRepo(db, log),
    generation,
    runs,
    budgets: dispatcher.budgets,
    catalog,
    settings: createSettingsRepo(db, log),
    events,
    clock,
    log,
    window: Math.max(1, Math.min(options.policy?.maxConcurrentRuns ?? 8, 8)),
  });
  const recovered = dispatcher.start();
  if (recovered.interrupted.length > 0 || recovered.resumed.length > 0) {
    log.warn('runs left by the previous shutdown', {
      interrupted: recovered.interrupted.length,
      resumed: recovered.resumed.length,
    });
  }
  // After the queue's recovery: items whose runs were interrupted go to their dead-letter lists.
  batches.start();

  const trash = createTrashService({
    repo: createTrashRepo(db),
    dataDir,
    clock,
    log,
    mentions: () => createContentRefsRepo(db).mentions(),
    contentPath: CONTENT_PATH,
  });
  // What has been in the trash for 30 days goes, with the files no other row uses.
  void trash.purgeExpired().then(
    (report) => {
      if (report.runs + report.outputs > 0) log.info('purged the trash', { ...report });
    },
    (error: unknown) =>
      log.error('purging the trash failed', {
        error: error instanceof Error ? error.message : String(error),
      }),
  );

  const outputs = createOutputsRepo(db);
  const qualityRepo = createQualityRepo(db, log);
  const quality = createQualityGate();
  function createQualityGate(): QualityService {
    const q = options.quality ?? {};
    const modelsModule = q.modelsModule ?? null;
    let measure: MeasureFile;
    let stopMeasuring: (() => Promise<void>) | undefined;
    if (q.worker && !q.models) {
      const pool = createWorkerPool({
        script: q.worker,
        size: q.workers ?? 1,
        data: { modelsModule },
        execArgv: q.execArgv,
      });
      measure = pool.measure;
      stopMeasuring = () => pool.close();
    } else {
      const models =
        q.models ??
        (modelsModule
          ? modelsFromModule(modelsModule, { threads: 1 })
          : unavailableModels('no model module is configured'));
      const inProcess = createMeasure(models);
      measure = async (file, wants) => inProcess(await readFile(file), wants);
      stopMeasuring = () => models.dispose();
    }
    return createQualityService({
      repo: qualityRepo,
      settings: createSettingsRepo(db, log),
      catalog,
      dataDir,
      measure,
      concurrency: q.workers ?? 1,
      events,
      clock,
      log,
      stopMeasuring,
    });
  }
  // After ingest, off the generation path: a run's outputs are checked once it completes; references are hashed.
  events.subscribe((name, payload) => {
    if (name === 'run.completed') {
      const done = payload as { runId: number; outputsCount: number };
      if (done.outputsCount > 0) quality.checkRun(done.runId);
    } else if (name === 'references.changed') {
      quality.referencesChanged((payload as { ids: number[] }).ids);
    }
  });
  const metadata = createMetadataService({
    dataDir,
    settings: createSettingsRepo(db, log),
    clock,
    runOfOutput: (outputId) => outputs.runOf(outputId),
    runs,
    library,
    providers: {
      name: (id) => catalog.providers.find((p) => p.id === id)?.name ?? id,
      isLocal: (id) => catalog.providers.find((p) => p.id === id)?.kind === 'local',
    },
    atelierVersion: options.version,
  });

  const exportsRepo = createExportsRepo(db, log);
  const styleVersion = (id: number) => {
    try {
      return library.getVersion(id);
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found') return null;
      throw error;
    }
  };
  const exportService = createExportService({
    dataDir,
    repo: exportsRepo,
    boards: createBoardsRepo(db),
    history,
    runs,
    styleVersion,
    embed: metadata.embed,
    metadataMode: () => metadata.mode(),
    presets: loadPresets(),
    licences: loadLicenceNotes(),
    pool: createEncoderPool(options.exportThreads),
    events,
    clock,
    log,
    desktop: options.desktop ?? null,
    atelierVersion: options.version,
  });
  const recoveredExports = exportService.recover().then(
    (n) => {
      if (n > 0) log.warn('exports left by the previous shutdown were interrupted', { exports: n });
      return n;
    },
    (error: unknown) => {
      log.error('recovering exports failed', {
        error: error instanceof Error ? error.message : String(error),
      });
      return 0;
    },
  );
  const altText = createAltTextService({
    dataDir,
    repo: exportsRepo,
    keys,
    adapters,
    catalog,
    endpoints,
    fetch,
    clock,
    settings: loadAltTextSettings(),
  });

  const handlers = createHandlers({
    app: { name: 'Atelier', version: options.version, mode: options.mode, dataDir },
    desktop: options.desktop ?? null,
    catalog,
    adapters,
    endpoints,
    keys,
    runs,
    history,
    dispatcher,
    generation,
    events,
    fetch,
    clock,
    references,
    imports,
    reproduceImported,
    library: { library, pack: { media, dataDir, clock, appVersion: options.version, references } },
    review: {
      outputs,
      runs,
      clock,
      modes: failureModes.modes,
      modesInEffect: failureModes.inEffect,
      saveModes: failureModes.save,
      trash,
      quality: qualityRepo,
    },
    boards: { boards: createBoardsRepo(db) },
    metadata,
    quality: { quality, repo: qualityRepo },
    batches,
    exports: { exports: exportService, altText },
  });

  // Both transports serve media through this; it makes a missing small thumbnail on first request.
  const served = createServedMedia({ dataDir, log });
  const sweepStop = new AbortController();
  const startupSweep = scheduleSweep();
  // Read History's snapshot aside at once, so the first History view finds its counts ready.
  const snapshotWarm = options.historySnapshotWorker ? history.ready() : Promise.resolve();
  function scheduleSweep(): Promise<SweepReport | null> {
    const sweep = options.sweep ?? {};
    if (sweep === false) return Promise.resolve(null);
    const refs = createContentRefsRepo(db);
    return new Promise<SweepReport | null>((resolve) => {
      const timer = setTimeout(() => {
        sweepStop.signal.removeEventListener('abort', cancel);
        sweepDataDir({
          dataDir,
          clock,
          log,
          mentions: () => refs.mentions(),
          contentPath: CONTENT_PATH,
          graceMs: sweep.graceMs,
          signal: sweepStop.signal,
        }).then(
          (report) => resolve(sweepStop.signal.aborted ? null : report),
          (error: unknown) => {
            log.error('start-up sweep failed', {
              error: error instanceof Error ? error.message : String(error),
            });
            resolve(null);
          },
        );
      }, sweep.delayMs ?? 2000);
      timer.unref();
      const cancel = () => {
        clearTimeout(timer);
        resolve(null);
      };
      sweepStop.signal.addEventListener('abort', cancel, { once: true });
    });
  }

  let closing: Promise<void> | null = null;
  return {
    dataDir,
    handlers,
    events,
    generation,
    batches,
    dispatcher,
    catalog,
    library,
    quality,
    invoke: (name, input) => invokeCall(handlers, name, input, log),
    resolveMedia: served.resolve,
    outgoingOriginal: (outputId) => metadata.original(outputId),
    embedMetadata: metadata.embed,
    metadataMode: () => metadata.mode(),
    exports: exportService,
    recoveredExports,
    startupSweep,
    close() {
      closing ??= (async () => {
        sweepStop.abort();
        await startupSweep; // It stops at its next step; the database must outlive it.
        batches.stop(); // Nothing more is sent; items still settle as the queue stops.
        await dispatcher.close();
        await quality.close();
        await recoveredExports;
        await exportService.close();
        await snapshotWarm; // Never rejects: a failed read is logged and left to the first call.
        closeDatabase(db);
      })();
      return closing;
    },
  };
}
