import type { CostEstimate, GenerationRequest, Reproducibility } from '../../../shared/domain';
import type { ActiveRun } from '../../../shared/queue-contract';
import { AppError, fieldError } from '../../../shared/result';
import type { RunQueue } from '../dispatch';
import type { StyleLibrary } from '../library';
import type { Catalog } from '../providers/catalog';
import type { RunParent, RunsRepo } from '../store';
import { type PreviewTarget, previewRequest, previewTarget } from './previews';

/**
 * Every way a generation starts: Generate, retry, a style's previews, batches, reproduce and branch.
 * Each request is prepared by the library (style and template rendered, banned terms checked), then priced
 * and queued by the dispatcher; the run records the exact versions it was made from.
 */
export interface GenerationService {
  /**
   * Prepares the request, checks it against routes, keys and budgets, records a queued run, and queues it.
   * `parent` records lineage: the run this one was made from (Branch, Vary) and how. `link` runs inside the
   * transaction that creates the run (a batch records its item's run there: a crash leaves both or neither).
   */
  start(request: GenerationRequest, parent?: RunParent | null, link?: (runId: number) => void): number;
  /** Whether "Reproduce exactly" can draw the same image again, and if not, why, in plain words. */
  reproducibility(runId: number): Reproducibility;
  /**
   * The same provider (pinned), model, seed and parameters again, recorded as a child 'reproduce' run.
   * Refused (invalid_input, with the reasons) when the provider cannot reproduce it.
   */
  reproduce(runId: number): number;
  /** The same request with a new random seed, recorded as a child 'reroll' run. */
  reroll(runId: number): number;
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
  runs: Pick<RunsRepo, 'work' | 'get'>;
  catalog: Catalog;
}

export function createGenerationService({
  library,
  queue,
  runs,
  catalog,
}: GenerationDeps): GenerationService {
  function start(
    original: GenerationRequest,
    parent?: RunParent | null,
    link?: (runId: number) => void,
  ): number {
    if (parent && !runs.work(parent.runId)) {
      throw fieldError(['parent', 'runId'], `there is no run ${parent.runId}`);
    }
    // Style and template are rendered into the prompt first; the run records their exact versions.
    const prepared = library.prepare(original);
    return queue.enqueue(
      prepared.request,
      (runId) => {
        library.link(runId, prepared);
        link?.(runId);
      },
      parent ?? null,
    );
  }

  function reproducibility(runId: number): Reproducibility {
    const run = runs.get(runId);
    if (!run) throw new AppError('not_found', `There is no run ${runId}.`);
    const reasons: string[] = [];
    const provider = catalog.providers.find((p) => p.id === run.provider);
    const modelId = run.model ?? provider?.defaultModel;
    const model = provider?.models.find((m) => m.id === modelId);
    if (run.status !== 'succeeded') reasons.push('This run made no image to reproduce.');
    if (!provider || !model) {
      reasons.push('The provider or model this run used is no longer known to Atelier.');
    } else {
      if (model.status === 'retired') {
        const successor = model.successor ? provider.models.find((m) => m.id === model.successor) : undefined;
        reasons.push(
          `${model.name} was retired by ${provider.name}${model.retiredOn ? ` on ${model.retiredOn}` : ''}${successor ? `; ${successor.name} replaces it, but draws differently` : ''}.`,
        );
      }
      if (!model.capabilities.seed) {
        reasons.push(`${provider.name} ${model.name} takes no seed, so every run draws a new image.`);
      } else if (run.seed === null) {
        reasons.push(`${provider.name} did not report the seed it used.`);
      }
      if (model.capabilities.rewritesPrompt) {
        reasons.push(
          `${provider.name} rewrites the prompt before drawing, so the same words can draw another image.`,
        );
      }
    }
    return { reproducible: reasons.length === 0, reasons };
  }

  /** The run's rendered request (its exact versions are copied onto the child). */
  function workOf(runId: number) {
    const work = runs.work(runId);
    if (!work) throw new AppError('not_found', `There is no run ${runId}.`);
    return work;
  }

  function estimate(original: GenerationRequest): CostEstimate {
    const prepared = library.prepare(original);
    const priced = queue.estimate(prepared.request);
    return { ...priced, warnings: [...priced.warnings, ...prepared.warnings] };
  }

  return {
    start,
    estimate,
    reproducibility,
    reproduce(runId) {
      const verdict = reproducibility(runId);
      if (!verdict.reproducible) {
        throw new AppError(
          'invalid_input',
          `Run ${runId} cannot be reproduced exactly: ${verdict.reasons.join(' ')}`,
        );
      }
      const work = workOf(runId);
      const run = runs.get(runId)!;
      // The provider that drew it, pinned; its model; the seed it reported; the cache bypassed so it really draws.
      const request: GenerationRequest = {
        ...work.request,
        provider: run.provider,
        ...(run.model ? { model: run.model } : {}),
        seed: run.seed,
        fresh: true,
      };
      const child = start(request, { runId, derivation: 'reproduce' });
      library.copyLink(runId, child);
      return child;
    },
    reroll(runId) {
      const work = workOf(runId);
      const child = start({ ...work.request, seed: null, fresh: true }, { runId, derivation: 'reroll' });
      library.copyLink(runId, child);
      return child;
    },
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
