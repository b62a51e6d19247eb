import type { CostEstimate, GenerationRequest } from '../../../shared/domain';
import type { ActiveRun } from '../../../shared/queue-contract';
import { AppError } from '../../../shared/result';
import type { RunQueue } from '../dispatch';
import type { StyleLibrary } from '../library';
import type { Catalog } from '../providers/catalog';
import type { RunsRepo } from '../store';
import { type PreviewTarget, previewRequest, previewTarget } from './previews';

/**
 * Every way a generation starts: Generate, retry, a style's previews (next: batches, reproduce, branch).
 * Each request is prepared by the library (style and template rendered, banned terms checked), then priced
 * and queued by the dispatcher; the run records the exact versions it was made from.
 */
export interface GenerationService {
  /** Prepares the request, checks it against routes, keys and budgets, records a queued run, and queues it. */
  start(request: GenerationRequest): number;
  /** What the request would cost and which steps could run now; changes nothing. */
  estimate(request: GenerationRequest): CostEstimate;
  /** A new run from an earlier run's request (fresh by default: the cache is bypassed). */
  retry(runId: number, fresh: boolean): number;
  /** Preview runs of one style version, one per seed, where seeds are kept when a provider can keep them. */
  previews(input: PreviewInput): PreviewResult;
  /** Cancels this run only: one waiting is taken out of the queue, one running has its own signal aborted. */
  cancel(runId: number): boolean;
  /** Queued and running runs, oldest first, with the phase and progress last reported for each. */
  active(): ActiveRun[];
  /** Resolves when every queued and running generation has settled (tests, a clean shutdown). */
  idle(): Promise<void>;
  /** Stops the queue: runs in flight end as interrupted, runs not yet sent stay queued for the next start. */
  shutdown(): Promise<void>;
}

export interface PreviewInput {
  versionId: number;
  /** Pins the previews to this provider. */
  provider?: string;
  count: number;
  seeds?: number[];
  subject?: string;
}

export interface PreviewResult extends PreviewTarget {
  runIds: number[];
  seeds: number[];
}

export interface GenerationDeps {
  library: Pick<StyleLibrary, 'prepare' | 'link' | 'copyLink' | 'previewPlan' | 'addPreview' | 'changed'>;
  queue: RunQueue;
  runs: Pick<RunsRepo, 'work'>;
  catalog: Catalog;
}

export function createGenerationService({
  library,
  queue,
  runs,
  catalog,
}: GenerationDeps): GenerationService {
  function start(original: GenerationRequest): number {
    // Style and template are rendered into the prompt first; the run records their exact versions.
    const prepared = library.prepare(original);
    return queue.enqueue(prepared.request, (runId) => library.link(runId, prepared));
  }

  function estimate(original: GenerationRequest): CostEstimate {
    const prepared = library.prepare(original);
    const priced = queue.estimate(prepared.request);
    return { ...priced, warnings: [...priced.warnings, ...prepared.warnings] };
  }

  return {
    start,
    estimate,
    retry(runId, fresh) {
      const work = runs.work(runId);
      if (!work) throw new AppError('not_found', `There is no run ${runId}.`);
      const retried = start({ ...work.request, fresh });
      // A retry replays the rendered request: it inherits the earlier run's versions.
      library.copyLink(runId, retried);
      return retried;
    },
    previews(input) {
      const plan = library.previewPlan(input);
      const target = previewTarget(catalog, input.provider, () => estimate(plan.request).steps);
      const runIds: number[] = [];
      for (const seed of plan.seeds) {
        const runId = start(previewRequest(plan.request, seed, target));
        library.addPreview(plan.versionId, { runId, seed, provider: target.provider });
        runIds.push(runId);
      }
      library.changed('previews', plan.styleId);
      return { runIds, seeds: plan.seeds, ...target };
    },
    cancel: (runId) => queue.cancel(runId),
    active: () => queue.active(),
    idle: () => queue.idle(),
    shutdown: () => queue.shutdown(),
  };
}
