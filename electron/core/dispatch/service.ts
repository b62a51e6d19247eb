import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { SkipCode } from '../../../shared/constants';
import {
  type CostEstimate,
  type GenerationRequest,
  MAX_SEED,
  type ProviderLimits,
  type ProviderStatus,
} from '../../../shared/domain';
import type { ActiveRun } from '../../../shared/queue-contract';
import { AppError, fieldError } from '../../../shared/result';
import { settingsPath } from '../../../shared/settings-tabs';
import type { EventBus } from '../events';
import { createActiveRunsBook } from '../jobs/active';
import { createJobQueue, type JobQueue } from '../jobs/queue';
import type { MediaStore } from '../media';
import type { Clock, FetchLike, Logger } from '../ports';
import type { Catalog, CatalogProvider, SeedRange } from '../providers/catalog';
import type { ProviderAdapter } from '../providers/types';
import type { DispatchSettings, JobsRepo, LocalServersRepo, RunParent, RunsRepo, UsageRepo } from '../store';
import type { KeyRing } from '../vault/keyring';
import type { Vault } from '../vault/vault';
import { createAllowances, DAY_MS } from './allowance';
import { createBreakers } from './breaker';
import { type BudgetBook, createBudgetBook } from './budgets';
import type { DispatchContext } from './context';
import { estimateStep } from './estimate';
import { createKeyFlags } from './key-flags';
import { interruptedMessage } from './ledger';
import { createLocalPool, isLocalKind, type LocalPool } from './local-pool';
import { findCached, planRoute, readiness } from './plan';
import { DEFAULT_POLICY, type DispatchPolicy } from './policy';
import { createRouteBook, type RouteBook, type ShippedRoutes } from './routes';
import { executeRun } from './runner';
import { createSlots } from './slots';

/**
 * Runs as the dispatcher takes them: requests already rendered (the generation service prepares them), priced,
 * checked, queued, followed and stopped.
 */
export interface RunQueue {
  /**
   * Checks the request against routes, keys and budgets, records a queued run and its job, and queues it.
   * `link` runs inside the transaction that creates the run (the caller records what the run was made from).
   */
  enqueue(request: GenerationRequest, link?: (runId: number) => void, parent?: RunParent | null): number;
  /** What the request would cost and which steps could run now; changes nothing. */
  estimate(request: GenerationRequest): CostEstimate;
  /** Cancels this run only: one waiting is taken out of the queue, one running has its own signal aborted. */
  cancel(runId: number): boolean;
  /** Queued and running runs, oldest first, with the phase and progress last reported for each. */
  active(): ActiveRun[];
  /** Resolves when every queued and running generation has settled (tests, a clean shutdown). */
  idle(): Promise<void>;
  /** Stops the queue: runs in flight end as interrupted, runs not yet sent stay queued for the next start. */
  shutdown(): Promise<void>;
}

export interface ProviderDesk {
  status(): ProviderStatus[];
  statusOf(provider: string): ProviderStatus;
  setLimits(provider: string, limits: ProviderLimits): ProviderStatus;
  resetBreaker(provider: string): ProviderStatus;
}

export interface Dispatcher {
  queue: RunQueue;
  providers: ProviderDesk;
  routes: RouteBook;
  budgets: BudgetBook;
  localServers: LocalPool;
  /** Resumes or fails the jobs a stopped app left, then starts the queue and the health checks. */
  start(): { resumed: number[]; interrupted: number[] };
  close(): Promise<void>;
}

export interface DispatcherDeps {
  /** Runs `fn` in one database transaction. */
  transaction<T>(fn: () => T): T;
  runs: RunsRepo;
  jobs: JobsRepo;
  usage: UsageRepo;
  settings: DispatchSettings;
  localServers: LocalServersRepo;
  media: MediaStore;
  keys: KeyRing;
  vault: Vault;
  catalog: Catalog;
  adapters: Record<string, ProviderAdapter>;
  endpoints: Record<string, string>;
  shippedRoutes: ShippedRoutes;
  fetch: FetchLike;
  clock: Clock;
  log: Logger;
  events: EventBus;
  policy?: Partial<DispatchPolicy>;
  /** 0 ≤ random() < 1 for backoff jitter. */
  random?: () => number;
  /** A seed inside the range (both ends included). */
  randomSeed?: (range: SeedRange) => number;
}

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { runs, jobs, catalog, clock, log, events, keys } = deps;
  const policy: DispatchPolicy = { ...DEFAULT_POLICY, ...deps.policy };
  const providersChanged = (provider: string | null) => events.emit('providers.changed', { provider });

  let limitOverrides = deps.settings.limitOverrides();
  const limitsOf = (provider: CatalogProvider): ProviderLimits => {
    const own = limitOverrides[provider.id];
    return {
      perMinute: own?.perMinute ?? provider.limits.perMinute,
      perDay: own?.perDay ?? provider.limits.perDay,
      concurrency: own?.concurrency ?? provider.limits.concurrency,
    };
  };
  const providerById = (id: string) => catalog.providers.find((p) => p.id === id);

  const routes = createRouteBook({ shipped: deps.shippedRoutes, settings: deps.settings, catalog, clock });
  const budgets = createBudgetBook({ settings: deps.settings, usage: deps.usage, clock });
  const pool = createLocalPool({
    repo: deps.localServers,
    vault: deps.vault,
    adapters: deps.adapters,
    catalog,
    fetch: deps.fetch,
    clock,
    log,
    events,
    intervalMs: policy.healthCheckIntervalMs,
  });
  const ctx: DispatchContext = {
    transaction: deps.transaction,
    runs,
    jobs,
    media: deps.media,
    keys,
    catalog,
    adapters: deps.adapters,
    endpoints: deps.endpoints,
    fetch: deps.fetch,
    clock,
    log,
    events,
    policy,
    breakers: createBreakers({ clock, policy, onChange: providersChanged }),
    allowances: createAllowances(clock),
    slots: createSlots((id) => {
      const provider = providerById(id);
      return provider ? limitsOf(provider).concurrency : null;
    }),
    budgets,
    flags: createKeyFlags({ settings: deps.settings, keys, clock }),
    pool,
    routes,
    limitsOf,
    random: deps.random ?? Math.random,
    randomSeed: deps.randomSeed ?? drawSeed,
    providersChanged,
  };

  const activeRuns = createActiveRunsBook({ jobs, runs, events });

  const queue: JobQueue = createJobQueue({
    jobs,
    clock,
    log,
    maxConcurrent: policy.maxConcurrentRuns,
    execute: (runId, signal) => executeRun(ctx, runId, signal),
    onCrash(runId, error) {
      log.error('run crashed', {
        runId,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      failRun(
        runId,
        'failed',
        'internal',
        'Atelier hit an internal error while running this generation; see the log.',
      );
    },
  });

  function failRun(runId: number, status: 'failed' | 'cancelled', code: string, message: string): void {
    if (!runs.fail(runId, { now: clock.now(), status, code, message })) return;
    events.emit('run.updated', { runId, status, phase: 'done', provider: null, message });
    events.emit('run.completed', { runId, status, outputsCount: 0, error: { code, message } });
  }

  /** Each step of the request's chain with its price and whether it could run now. */
  function plan(request: GenerationRequest) {
    const { route, steps: planned } = planRoute(ctx, request);
    const steps = planned.map((step) => {
      const { reason, skip, runnable, overBudget } = readiness(ctx, step);
      if (!step.ok) {
        return {
          provider: step.step.provider,
          model: step.model,
          estimateUsd: null,
          converted: false,
          eligible: false,
          reason,
          skip,
          runnable,
          overBudget,
          takesReference: false,
          providerName: step.providerName,
          modelName: step.model,
        };
      }
      const { provider, model, estimate } = step;
      return {
        provider: provider.id,
        model: model.id,
        estimateUsd: estimate.usd,
        converted: estimate.converted,
        eligible: reason === null,
        reason,
        skip,
        runnable,
        overBudget,
        takesReference: model.capabilities.imageInput,
        providerName: provider.name,
        modelName: model.name,
      };
    });
    return { route, steps, cached: findCached(ctx, request, planned) !== null };
  }

  function estimate(request: GenerationRequest): CostEstimate {
    const { route, steps, cached } = plan(request);
    const first = steps.find((s) => s.eligible);
    const warnings: string[] = [];
    if (route.pinned)
      warnings.push(
        `Pinned to ${first?.providerName ?? steps[0]?.providerName ?? 'one provider'}: only this provider is tried.`,
      );
    if (request.reference && first && !first.takesReference) {
      warnings.push(`${first.modelName} does not take a reference image; the reference would be ignored.`);
    }
    if (!first) warnings.push('No provider in this route can run now; see each step for why.');
    return {
      taskType: route.taskType,
      steps: steps.map(({ provider, model, estimateUsd, converted, eligible, reason, skip }) => ({
        provider,
        model,
        estimateUsd,
        converted,
        eligible,
        reason,
        skip,
      })),
      likelyUsd: cached ? 0 : (first?.estimateUsd ?? null),
      likelyConverted: !cached && (first?.converted ?? false),
      cached,
      warnings,
    };
  }

  function enqueue(
    request: GenerationRequest,
    link?: (runId: number) => void,
    parent?: RunParent | null,
  ): number {
    const { route, steps, cached } = plan(request);
    const runnable = steps.filter((s) => s.runnable);
    const seedRefused = steps.filter((s) => s.skip === 'seed_out_of_range');
    if (runnable.length === 0 && seedRefused.length > 0) {
      // Refused, not wrapped: another number would make another image than the seed promises.
      throw fieldError(
        ['seed'],
        `${seedRefused.map((s) => s.reason).join('; ')}. Leave the seed empty for a random one, or type one this provider takes.`,
      );
    }
    if (runnable.length === 0) {
      const why = steps.map((s) => `${s.providerName}: ${s.reason}`).join('; ');
      // Decided from the skip kinds: the fix a designer is pointed at is never read back out of a sentence.
      const needsKey = steps.some((s) => s.skip === 'no_key');
      const needsServer = steps.some((s) => s.skip === 'no_server');
      // A route made only of steps this version cannot run is mended in Settings → Routes.
      const unusable = steps.every((s) => s.skip !== null && UNUSABLE_STEPS.has(s.skip));
      const fix = needsKey
        ? 'keys'
        : needsServer
          ? 'local'
          : unusable && !route.pinned
            ? 'routes'
            : undefined;
      throw new AppError(
        'invalid_input',
        `No provider can run this request (${why}).${needsKey ? ` Add a key in ${settingsPath('keys')}.` : ''}${needsServer ? ` Add a server in ${settingsPath('local')}.` : ''}`,
        fix ? { fix } : {},
      );
    }
    // Refused before anything is sent when no provider that could run fits the budgets.
    if (!cached && runnable.every((s) => s.overBudget)) {
      throw new AppError(
        'budget_exceeded',
        `This request would exceed a budget: ${runnable.map((s) => s.reason).join('; ')}. Raise it in ${settingsPath('budgets')}.`,
        { fix: 'budgets' },
      );
    }
    if (request.reference && !existsSync(deps.media.absolutePath(request.reference.path))) {
      throw new AppError('not_found', `reference: there is no stored image ${request.reference.path}.`, {
        issues: [{ path: ['reference'], message: `there is no stored image ${request.reference.path}.` }],
      });
    }
    const now = clock.now();
    const runId = deps.transaction(() => {
      const id = runs.create({ request, now, route, parent: parent ?? null });
      link?.(id);
      jobs.enqueue(id, now);
      return id;
    });
    events.emit('run.updated', {
      runId,
      status: 'queued',
      phase: 'queued',
      provider: route.chain[0]?.provider ?? null,
      message: null,
    });
    queue.push(runId);
    return runId;
  }

  function statusOf(provider: CatalogProvider): ProviderStatus {
    const flag = ctx.flags.get(provider.id);
    const hasKey = keys.info(provider.id) !== null;
    const key: ProviderStatus['key'] =
      isLocalKind(provider.id) && !pool.hasEnabled(provider.id)
        ? 'no_server'
        : provider.auth === 'none'
          ? 'not_needed'
          : flag !== null
            ? 'flagged'
            : hasKey
              ? 'ready'
              : provider.auth === 'optional'
                ? 'not_needed'
                : 'missing';
    const spend = budgets.spend(provider.id);
    return {
      provider: provider.id,
      key,
      flag,
      breaker: ctx.breakers.status(provider.id),
      limits: limitsOf(provider),
      defaultLimits: provider.limits,
      usage: {
        ...ctx.allowances.usage(provider.id),
        inFlight: isLocalKind(provider.id) ? pool.inFlight(provider.id) : ctx.slots.inFlight(provider.id),
      },
      spend: { todayUsd: roundUsd(spend.todayUsd), monthUsd: roundUsd(spend.monthUsd), approx: spend.approx },
      budget: budgets.limitsFor(provider.id),
    };
  }

  function requireProvider(id: string): CatalogProvider {
    const provider = providerById(id);
    if (!provider) throw fieldError(['provider'], `there is no provider "${id}".`);
    return provider;
  }

  const runQueue: RunQueue = {
    enqueue,
    estimate,
    cancel(runId) {
      const where = queue.cancel(runId, new Error('cancelled by the user'));
      if (where === 'queued')
        failRun(runId, 'cancelled', 'cancelled', 'The run was cancelled before it started.');
      return where !== null;
    },
    active: () => activeRuns.list(),
    idle: () => queue.idle(),
    shutdown: () => queue.shutdown(),
  };

  return {
    queue: runQueue,
    providers: {
      status: () => catalog.providers.map(statusOf),
      statusOf: (id) => statusOf(requireProvider(id)),
      setLimits(id, limits) {
        const provider = requireProvider(id);
        deps.settings.setLimitOverride(provider.id, limits, clock.now());
        limitOverrides = deps.settings.limitOverrides();
        ctx.slots.refresh(provider.id);
        providersChanged(provider.id);
        return statusOf(provider);
      },
      resetBreaker(id) {
        const provider = requireProvider(id);
        ctx.breakers.reset(provider.id);
        return statusOf(provider);
      },
    },
    routes,
    budgets,
    localServers: pool,
    start() {
      const now = clock.now();
      // Credits recorded before they counted against budgets get their dollars now, at the catalog's price.
      for (const provider of catalog.providers) {
        if (provider.credits) deps.usage.convertUnpricedCredits(provider.id, provider.credits.usdPerCredit);
      }
      ctx.allowances.seed(deps.usage.sentSince(now - DAY_MS));
      const resumed: number[] = [];
      const interrupted: number[] = [];
      for (const job of jobs.unfinished()) {
        const run = runs.work(job.runId);
        if (!run || (run.status !== 'queued' && run.status !== 'running')) {
          jobs.finish(job.runId, now); // It ended before the stop; only the job row lagged.
          continue;
        }
        if (job.inFlight !== null) {
          const out = providerById(job.inFlight);
          const name = out?.name ?? job.inFlight;
          const modelId =
            run.route?.chain.find((step) => step.provider === job.inFlight)?.model ?? out?.defaultModel ?? '';
          const model = out?.models.find((m) => m.id === modelId);
          // It may have been charged: budgets count it at the catalog estimate rather than not at all.
          const charged = out && model ? estimateStep(run.request, out, model).usd : null;
          // The request that was out is part of the record: sent, answer unknown.
          runs.recordAttempt(job.runId, {
            ordinal: runs.nextOrdinal(job.runId),
            provider: job.inFlight,
            model: modelId,
            requestSent: {},
            outcome: 'cancelled',
            httpStatus: null,
            providerCode: 'interrupted',
            providerMessage: `Atelier stopped while this request was out to ${name}; whether it finished (and was charged) is unknown.`,
            retryAfterMs: null,
            warnings:
              charged === null
                ? []
                : [
                    `counted against budgets at the catalog estimate of ≈ $${charged.toFixed(3)}, in case ${name} charged it`,
                  ],
            startedAt: job.heartbeatAt ?? now,
            latencyMs: 0,
            costUsd: charged,
            costBasis: charged === null ? null : 'estimate',
          });
          runs.fail(job.runId, {
            now,
            status: 'failed',
            code: 'interrupted',
            message: interruptedMessage(name),
            provider: job.inFlight,
            costUsd: charged,
            costBasis: 'estimate',
          });
          jobs.finish(job.runId, now);
          interrupted.push(job.runId);
        } else {
          runs.requeue(job.runId);
          jobs.requeue(job.runId, now);
          resumed.push(job.runId);
        }
      }
      // Runs from before the queue existed have no job: they cannot be resumed safely.
      interrupted.push(...runs.interruptUnfinished(now, 'Atelier stopped while this run was in flight.'));
      for (const runId of resumed) queue.push(runId);
      pool.start();
      return { resumed, interrupted };
    },
    async close() {
      // Runs first: one waiting for a pool slot must end as a shutdown, not fall through to the next provider.
      await queue.shutdown();
      activeRuns.close();
      await pool.stop();
    },
  };
}

/** Skip kinds no key, server or budget can mend: the step itself names what this version cannot run. */
const UNUSABLE_STEPS: ReadonlySet<SkipCode> = new Set([
  'unknown_provider',
  'unknown_model',
  'retired_model',
  'not_implemented',
]);

/** A uniform seed in the range; `randomInt` takes spans below 2^48, far above any seed range. */
export function drawSeed(range: SeedRange): number {
  const min = Math.max(0, range.min);
  const max = Math.min(MAX_SEED, range.max);
  return randomInt(min, max + 1);
}

function roundUsd(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
