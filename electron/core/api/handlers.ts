import { ASPECT_RATIOS, ModelCapabilities, type ProviderInfo } from '../../../shared/domain';
import { requestDifferences } from '../../../shared/lineage';
import { AppError, fieldError } from '../../../shared/result';
import { type BatchService, createBatchHandlers } from '../batches';
import { type BoardHandlerDeps, createBoardHandlers } from '../boards/handlers';
import type { Dispatcher } from '../dispatch';
import { describeOutcome } from '../dispatch/messages';
import type { EventBus } from '../events';
import type { AltTextService } from '../export/alt-text';
import { createExportHandlers } from '../export/handlers';
import type { ExportService } from '../export/service';
import type { GenerationService } from '../generation';
import type { ImportService } from '../imports/service';
import { createLibraryHandlers, type LibraryHandlerDeps } from '../library/handlers';
import { resolveServedMedia } from '../media';
import { createMetadataHandlers } from '../metadata/handlers';
import type { MetadataService } from '../metadata/service';
import type { Clock, DesktopShell, FetchLike } from '../ports';
import { type Catalog, type CatalogProvider, providerEndpoint, seedRangeOf } from '../providers/catalog';
import { providerExcerpt } from '../providers/redact';
import type { ProviderAdapter } from '../providers/types';
import { createQualityHandlers } from '../quality/handlers';
import type { QualityService } from '../quality/service';
import type { ReferenceService } from '../references';
import { createReviewHandlers, type ReviewHandlerDeps } from '../review/handlers';
import type { HistoryRepo, QualityRepo, RunsRepo } from '../store';
import type { KeyRing } from '../vault/keyring';
import type { HandlerTable } from './invoke';

export interface HandlerDeps {
  app: { name: string; version: string; mode: 'desktop' | 'browser'; dataDir: string };
  /** The desktop shell's own powers (absent when served to a browser). */
  desktop: DesktopShell | null;
  catalog: Catalog;
  adapters: Record<string, ProviderAdapter>;
  endpoints: Record<string, string>;
  keys: KeyRing;
  runs: RunsRepo;
  /** History's search, filters and facet counts. */
  history: HistoryRepo;
  dispatcher: Dispatcher;
  generation: GenerationService;
  events: EventBus;
  fetch: FetchLike;
  clock: Clock;
  references: ReferenceService;
  /** Images made by other tools, into History. */
  imports: ImportService;
  /** *Reproduce on…* for imported runs. */
  reproduceImported: (runId: number, target: 'comfyui' | 'a1111' | 'route') => Promise<number>;
  /** The style library (templates, styles, negatives, packs). */
  library: LibraryHandlerDeps;
  /** The review queue (outputs' marks and the failure-mode catalog). */
  review: ReviewHandlerDeps;
  /** Boards and compare. */
  boards: Pick<BoardHandlerDeps, 'boards'>;
  /** Metadata on files that leave, and the Midjourney line. */
  metadata: MetadataService;
  /** The quality gate: results, Settings → Quality, the library re-run. */
  quality: { quality: QualityService; repo: QualityRepo };
  /** Batches through the queue. */
  batches: BatchService;
  /** Export to folders, and alt text. */
  exports: { exports: ExportService; altText: AltTextService };
}

/** The handler table: one entry per contract call, each receiving input its schema already parsed. */
export function createHandlers(deps: HandlerDeps) {
  const { catalog, keys, runs, dispatcher, generation, events, clock } = deps;

  function provider(id: string): CatalogProvider {
    const found = catalog.providers.find((p) => p.id === id);
    if (!found) throw fieldError(['provider'], `there is no provider "${id}".`);
    return found;
  }

  function providerInfo(p: CatalogProvider): ProviderInfo {
    return {
      id: p.id,
      name: p.name,
      kind: p.kind,
      auth: p.auth,
      implemented: p.id in deps.adapters,
      keyUrl: p.keyUrl,
      defaultModel: p.defaultModel,
      key: keys.info(p.id),
      usdPerCredit: p.credits?.usdPerCredit ?? null,
      models: p.models.map((m) => ({
        id: m.id,
        name: m.name,
        status: m.status,
        retiredOn: m.retiredOn,
        successor: m.successor,
        aspectRatios: ASPECT_RATIOS.filter((ratio) => m.capabilities.aspectRatios[ratio] != null),
        maxCount: m.capabilities.maxCount,
        supportsNegativePrompt: m.capabilities.negativePrompt,
        supportsSeed: m.capabilities.seed,
        seedRange: seedRangeOf(m),
        pricePerImageUsd: m.pricing.perImageUsd,
        ...(m.pricing.perImageCredits ? { pricePerImageCredits: m.pricing.perImageCredits } : {}),
        priceSource: `${m.pricing.source} (${m.pricing.asOf})`,
        // The shared shape, projected from the catalog's: one definition of what a model takes.
        ...ModelCapabilities.parse(m.capabilities),
        edits: m.capabilities.edits,
      })),
    };
  }

  const table = {
    'app.info': async () => ({
      ...deps.app,
      keyStorage: keys.storage(),
      canShowInFolder: deps.desktop !== null,
    }),
    'media.showInFolder': async ({ path: relative }) => {
      if (deps.desktop === null) {
        throw new AppError(
          'unavailable',
          'Show in folder works in the desktop app; here, download the file instead.',
        );
      }
      const file = await resolveServedMedia(deps.app.dataDir, relative);
      if (file === null) throw fieldError(['path'], 'is not a stored file of this library');
      deps.desktop.showInFolder(file);
      return {};
    },

    'keys.list': async () => ({ keys: keys.list(), storage: keys.storage() }),
    'keys.set': async ({ provider: id, secret }) => {
      const p = provider(id);
      const info = keys.set(p.id, secret, p.name);
      events.emit('keys.changed', { provider: p.id });
      // A new key is not the one that was refused: the provider panel drops its flag.
      events.emit('providers.changed', { provider: p.id });
      return info;
    },
    'keys.delete': async ({ provider: id }) => {
      const p = provider(id);
      const deleted = keys.delete(p.id, p.name);
      if (deleted) {
        events.emit('keys.changed', { provider: p.id });
        events.emit('providers.changed', { provider: p.id });
      }
      return { deleted };
    },
    'keys.test': async ({ provider: id }) => {
      const p = provider(id);
      const adapter = deps.adapters[p.id];
      if (!adapter) throw fieldError(['provider'], `${p.name} is not available in this version yet.`);
      const apiKey = keys.secretFor(p.id);
      if (!apiKey)
        throw new AppError('not_found', `There is no ${p.name} key to test. Add one first.`, { fix: 'keys' });
      const check = await adapter.testKey({
        provider: p,
        apiKey,
        endpoint: providerEndpoint(p, deps.endpoints),
        server: null,
        signal: AbortSignal.timeout(20_000),
        fetch: deps.fetch,
        clock,
      });
      const ok = check.outcome === 'ok';
      const said = providerExcerpt(check.message, [apiKey]);
      const message = ok ? said : `${describeOutcome(check.outcome, p.name)} ${said}`.trim();
      keys.recordTest(p.id, { ok, outcome: check.outcome, message, at: clock.now() });
      events.emit('keys.changed', { provider: p.id });
      return { ok, outcome: check.outcome, message };
    },

    'providers.list': async () => ({ providers: catalog.providers.map(providerInfo) }),
    'providers.status': async () => ({ providers: dispatcher.providers.status() }),
    'providers.setLimits': async ({ provider: id, limits }) => dispatcher.providers.setLimits(id, limits),
    'providers.resetBreaker': async ({ provider: id }) => dispatcher.providers.resetBreaker(id),

    'routes.list': async () => ({ routes: dispatcher.routes.list() }),
    'routes.set': async ({ taskType, chain, allowContentFallthrough }) =>
      dispatcher.routes.set(taskType, chain, allowContentFallthrough),
    'routes.reset': async ({ taskType }) => dispatcher.routes.reset(taskType),

    'budgets.get': async () => dispatcher.budgets.get(),
    'budgets.set': async (budgets) => {
      for (const id of Object.keys(budgets.providers)) provider(id);
      const stored = dispatcher.budgets.set(budgets);
      events.emit('providers.changed', { provider: null });
      return stored;
    },

    'localServers.list': async () => ({ servers: dispatcher.localServers.list() }),
    'localServers.add': async (server) => dispatcher.localServers.add(server),
    'localServers.update': async (change) => dispatcher.localServers.update(change),
    'localServers.remove': async ({ id }) => ({ removed: dispatcher.localServers.remove(id) }),
    'localServers.check': async ({ id }) => dispatcher.localServers.check(id),

    'generation.start': async ({ parent, ...request }) => ({ runId: generation.start(request, parent) }),
    'generation.reproducibility': async ({ runId }) => generation.reproducibility(runId),
    'generation.reproduce': async ({ runId }) => ({ runId: generation.reproduce(runId) }),
    'generation.reroll': async ({ runId }) => ({ runId: generation.reroll(runId) }),
    'runs.lineage': async ({ id }) => {
      const { parent, children } = runs.lineage(id);
      const child = runs.get(id);
      const parentRun = parent ? runs.get(parent.id) : null;
      const differences =
        child && parentRun
          ? requestDifferences(
              { ...parentRun, request: parentRun.requested ?? parentRun.request },
              { ...child, request: child.requested ?? child.request },
            )
          : [];
      return { parent, children, differences };
    },
    'generation.estimate': async (request) => generation.estimate(request),
    'generation.retry': async ({ runId, fresh }) => ({ runId: generation.retry(runId, fresh) }),
    'generation.cancel': async ({ runId }) => {
      if (!runs.work(runId)) throw new AppError('not_found', `There is no run ${runId}.`);
      return { cancelled: generation.cancel(runId) };
    },
    'generation.active': async () => ({ runs: generation.active() }),
    'styles.generatePreviews': async (input) => generation.previews(input),

    'runs.list': async ({ before, limit }) => runs.list({ before, limit }),
    'runs.search': async (input) => {
      await deps.history.ready(input.query);
      return deps.history.search(input);
    },
    'runs.facets': async ({ query }) => {
      await deps.history.ready();
      return deps.history.facets(query);
    },
    'runs.get': async ({ id }) => {
      const run = runs.get(id);
      if (!run) throw new AppError('not_found', `There is no run ${id}.`);
      return run;
    },
    'runs.rate': async ({ outputId, rating }) => {
      runs.rate(outputId, rating, clock.now());
      return { outputId, rating };
    },
    'runs.tag': async ({ id, tags }) => ({ tags: runs.setTags(id, tags) }),

    'references.import': async ({ files, steers, tags }) => ({
      results: await deps.references.import(files, { steers, tags }),
    }),
    'references.list': async (filter) => deps.references.list(filter),
    'references.get': async ({ id }) => deps.references.get(id),
    'references.update': async ({ id, ...change }) => deps.references.update(id, change),
    'references.delete': async ({ id }) => ({ deleted: deps.references.delete(id) }),
    'references.tags': async () => deps.references.tags(),
    'imports.start': async (input) => deps.imports.start(input),
    'imports.addFiles': async ({ id, files, last }) => deps.imports.addFiles(id, files, last),
    'imports.cancel': async ({ id }) => deps.imports.cancel(id),
    'imports.get': async ({ id }) => deps.imports.get(id),
    'imports.forRun': async ({ runId }) => deps.imports.forRun(runId),
    'imports.reproduce': async ({ runId, target }) => ({
      runId: await deps.reproduceImported(runId, target),
    }),
    ...createLibraryHandlers(deps.library),
    ...createReviewHandlers(deps.review),
    ...createBoardHandlers({
      boards: deps.boards.boards,
      runs,
      library: deps.library.library,
      events,
      clock,
    }),
    ...createMetadataHandlers(deps.metadata),
    ...createQualityHandlers(deps.quality),
    ...createBatchHandlers(deps.batches),
    ...createExportHandlers(deps.exports.exports, deps.exports.altText),
  } satisfies HandlerTable;
  return table;
}
