import {
  type AttemptOutcome,
  type CostBasis,
  MAX_SEED,
  type RunRoute,
  type RunStatus,
} from '../../../shared/domain';
import { AppError } from '../../../shared/result';
import { type JobEnd, ShutdownError } from '../jobs/queue';
import { type IngestedMedia, MediaError } from '../media';
import {
  type CatalogModel,
  type CatalogProvider,
  creditsToUsd,
  seedOutOfRange,
  seedRangeOf,
} from '../providers/catalog';
import { providerExcerpt, scrubAttempt, secretsOfCall } from '../providers/redact';
import type {
  AttemptFailure,
  AttemptResult,
  AttemptSuccess,
  ProgressUpdate,
  ProviderAdapter,
  ReferenceImage,
} from '../providers/types';
import type { NewAttempt, NewOutput } from '../store';
import { cacheKey } from './cache';
import { type DispatchContext, endpointOf, gateStep } from './context';
import { estimateStep, type StepEstimate } from './estimate';
import { isLocalKind, type ServerLease } from './local-pool';
import { describeOutcome, outcomeWords, type SkipCode } from './messages';
import { resolveStep, routeFor } from './plan';
import { decide } from './policy';
import { loadReference } from './reference';

/** The abort reason when a run passes its overall deadline. */
export class RunDeadlineError extends Error {
  constructor(ms: number) {
    super(`No image within ${formatDuration(ms)}; the run was stopped.`);
    this.name = 'RunDeadlineError';
  }
}

/** The abort reason when one request takes longer than the attempt timeout. */
class AttemptDeadlineError extends Error {}

interface Tried {
  provider: string;
  providerName: string;
  model: string;
  outcome: AttemptOutcome;
  message: string | null;
}

/** How a run ends when no provider produced an image. */
interface Ending {
  status: Exclude<RunStatus, 'queued' | 'running' | 'succeeded'>;
  code: string;
  message: string;
}

/**
 * Runs one generation through its chain: cache, then each step in order with the policy per error
 * class, breakers, allowances, budgets, concurrency slots and local server pools. Every attempt, sent
 * or skipped, is recorded in order; the run always ends in a recorded state (or, at shutdown before
 * anything was sent, goes back to the queue).
 */
export async function executeRun(ctx: DispatchContext, runId: number, outer: AbortSignal): Promise<JobEnd> {
  const { runs, jobs, clock, events, policy } = ctx;
  const work = runs.work(runId);
  if (!work || (work.status !== 'queued' && work.status !== 'running')) return 'done';
  const request = work.request;
  const route: RunRoute = work.route ?? routeFor(request, ctx.routes, ctx.catalog);

  const deadline = new AbortController();
  const deadlineTimer = setTimeout(
    () => deadline.abort(new RunDeadlineError(policy.runDeadlineMs)),
    policy.runDeadlineMs,
  );
  deadlineTimer.unref();
  const signal = AbortSignal.any([outer, deadline.signal]);
  const runStartedAt = clock.now();

  let ordinal = runs.nextOrdinal(runId);
  const tried: Tried[] = [];
  const runWarnings: string[] = [];
  let totalUsd: number | null = null;
  let totalBasis: CostBasis | null = null;
  let lastTried: { provider: string; model: string } | null = null;
  let budgetSkips = 0;
  let reference: Promise<ReferenceImage> | null = null;
  let lastProgressAt = Number.NEGATIVE_INFINITY;
  // Slots, budget reservations and a breaker probe held right now: given back even if something throws.
  const held = new Set<() => void>();

  const record = (attempt: Omit<NewAttempt, 'ordinal'>): number => {
    const id = runs.recordAttempt(runId, { ...attempt, ordinal });
    ordinal += 1;
    jobs.countAttempt(runId, clock.now());
    if (attempt.costUsd !== null) {
      totalUsd = (totalUsd ?? 0) + attempt.costUsd;
      totalBasis = looser(totalBasis, attempt.costBasis ?? 'reported');
    }
    return id;
  };

  const skip = (providerId: string, providerName: string, model: string, code: SkipCode, reason: string) => {
    record({
      provider: providerId,
      model,
      requestSent: {},
      outcome: 'skipped',
      httpStatus: null,
      providerCode: code,
      providerMessage: reason,
      retryAfterMs: null,
      warnings: [],
      startedAt: clock.now(),
      latencyMs: 0,
      costUsd: null,
    });
    if (code === 'budget') budgetSkips += 1;
    tried.push({ provider: providerId, providerName, model, outcome: 'skipped', message: reason });
  };

  const update = (phase: 'queued' | 'requesting' | 'ingesting', provider: string, message: string | null) =>
    events.emit('run.updated', { runId, status: 'running', phase, provider, message });

  const end = (ending: Ending): JobEnd => {
    runs.fail(runId, {
      now: clock.now(),
      status: ending.status,
      code: ending.code,
      message: ending.message,
      costUsd: totalUsd,
      costBasis: totalBasis,
      ...(lastTried ?? {}),
      warnings: runWarnings,
    });
    events.emit('run.updated', {
      runId,
      status: ending.status,
      phase: 'done',
      provider: lastTried?.provider ?? null,
      message: ending.message,
    });
    events.emit('run.completed', {
      runId,
      status: ending.status,
      outputsCount: 0,
      error: { code: ending.code, message: ending.message },
    });
    return 'done';
  };

  /** Ends a run whose signal fired: the user cancelled, the deadline passed, or Atelier is closing. */
  const endAborted = (inFlight: CatalogProvider | null): JobEnd => {
    if (outer.aborted && outer.reason instanceof ShutdownError) {
      if (inFlight === null) {
        // Nothing was out: the run goes back to the queue and resumes on the next start.
        runs.requeue(runId);
        return 'requeue';
      }
      return end({
        status: 'failed',
        code: 'interrupted',
        message: interruptedMessage(inFlight.name),
      });
    }
    if (!outer.aborted && deadline.signal.aborted) {
      return end({
        status: 'failed',
        code: 'timeout',
        message: new RunDeadlineError(policy.runDeadlineMs).message,
      });
    }
    return end({ status: 'cancelled', code: 'cancelled', message: 'The run was cancelled.' });
  };

  /** Records the successful attempt and completes the run in one transaction: a crash leaves neither or both. */
  const succeed = (done: {
    attempt: Omit<NewAttempt, 'ordinal'>;
    provider: CatalogProvider;
    model: CatalogModel;
    outputs: NewOutput[];
    /** The seed the provider reports, else the one sent. */
    seed: number | null;
    costCredits: number | null;
    cachedFrom: number | null;
  }): JobEnd => {
    const { provider, model } = done;
    ctx.transaction(() => {
      const attemptId = record(done.attempt);
      runs.complete(runId, {
        now: clock.now(),
        attemptId,
        costUsd: totalUsd,
        costBasis: totalBasis,
        outputs: done.outputs,
        // A model that takes no seed cannot be reproduced from one: the run says so instead of pretending.
        seed: model.capabilities.seed ? done.seed : null,
        provider: provider.id,
        model: model.id,
        costCredits: done.costCredits,
        cachedFrom: done.cachedFrom,
        cacheKey:
          done.cachedFrom === null && request.seed !== null ? cacheKey(request, provider.id, model.id) : null,
        warnings: runWarnings,
      });
    });
    events.emit('run.updated', {
      runId,
      status: 'succeeded',
      phase: 'done',
      provider: provider.id,
      message: null,
    });
    events.emit('run.completed', {
      runId,
      status: 'succeeded',
      outputsCount: done.outputs.length,
      error: null,
    });
    return 'done';
  };

  try {
    // A random seed is drawn per step, inside the range of the provider that receives it.
    runs.markRunning(runId, { now: runStartedAt, seed: request.seed });
    if (outer.aborted || deadline.signal.aborted) return endAborted(null);

    // The cache first: an identical request with an explicit seed reuses earlier outputs at no cost.
    if (request.seed !== null && !request.fresh) {
      for (const step of route.chain) {
        const resolved = resolveStep(step, ctx.catalog, ctx.adapters);
        if (!resolved.ok) continue;
        const hit = runs.findCached(cacheKey(request, resolved.provider.id, resolved.model.id));
        if (!hit) continue;
        return succeed({
          attempt: {
            provider: resolved.provider.id,
            model: resolved.model.id,
            requestSent: { cachedFrom: hit.runId },
            outcome: 'ok',
            httpStatus: null,
            providerCode: null,
            providerMessage: `Reused the images of run ${hit.runId}: same request, seed, provider and model.`,
            retryAfterMs: null,
            warnings: [],
            startedAt: clock.now(),
            latencyMs: 0,
            costUsd: 0,
            cached: true,
          },
          provider: resolved.provider,
          model: resolved.model,
          outputs: hit.outputs,
          seed: hit.seed ?? request.seed,
          costCredits: null,
          cachedFrom: hit.runId,
        });
      }
    }

    for (const [index, step] of route.chain.entries()) {
      if (signal.aborted) return endAborted(null);
      const resolved = resolveStep(step, ctx.catalog, ctx.adapters);
      if (!resolved.ok) {
        skip(step.provider, resolved.providerName, resolved.model, resolved.code, resolved.reason);
        continue;
      }
      const { provider, model, adapter } = resolved;
      lastTried = { provider: provider.id, model: model.id };

      // An explicit seed is the designer's promise of a reproducible image: never wrapped into another number.
      if (request.seed !== null) {
        const outside = seedOutOfRange(provider, model, request.seed);
        if (outside !== null) {
          skip(provider.id, provider.name, model.id, 'seed_out_of_range', outside);
          continue;
        }
      }
      const seed = request.seed ?? ctx.randomSeed(seedRangeOf(model) ?? { min: 0, max: MAX_SEED });

      let apiKey: string | null = null;
      if (provider.auth !== 'none') {
        try {
          apiKey = ctx.keys.secretFor(provider.id);
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          skip(provider.id, provider.name, model.id, 'key_unreadable', error.message);
          continue;
        }
        if (apiKey === null && provider.auth === 'key') {
          skip(provider.id, provider.name, model.id, 'no_key', 'no API key');
          continue;
        }
      }

      const estimate = estimateStep(request, provider, model);
      const stepWarnings: string[] = [];
      if (request.reference && !model.capabilities.imageInput) {
        stepWarnings.push(`reference ignored: ${model.name} does not take a reference image`);
      }
      const local = provider.kind === 'local' && isLocalKind(provider.id) ? provider.id : null;
      const triedServers = new Set<number>();
      let retries = 0;
      let rateLimitRetried = false;

      for (;;) {
        const gate = gateStep(ctx, provider, estimate.usd, true);
        if (!gate.ok) {
          skip(provider.id, provider.name, model.id, gate.code, gate.reason);
          break;
        }
        const probe = gate.probe;
        const giveBackProbe = () => {
          held.delete(giveBackProbe);
          if (probe) ctx.breakers.releaseProbe(provider.id);
        };
        held.add(giveBackProbe);

        // Wait for a slot: the provider's concurrency, or a free server in the local pool.
        let release: () => void;
        let lease: ServerLease | null = null;
        try {
          if (local !== null) {
            lease = await ctx.pool.lease(local, triedServers, signal);
            if (lease === null) {
              giveBackProbe();
              const reason =
                ctx.pool.unavailableReason(local) ?? `every ${provider.name} server failed this run`;
              skip(provider.id, provider.name, model.id, 'no_server', reason);
              break;
            }
            release = lease.release;
          } else {
            const limit = ctx.limitsOf(provider).concurrency;
            if (limit !== null && ctx.slots.inFlight(provider.id) + ctx.slots.waiting(provider.id) >= limit) {
              // In line behind other runs for this provider: the screen says whom it waits for.
              update('queued', provider.id, `waiting for a free ${provider.name} slot (${limit} at once)`);
            }
            release = await ctx.slots.acquire(provider.id, signal);
          }
          held.add(release);
        } catch (error) {
          giveBackProbe();
          if (signal.aborted) return endAborted(null);
          throw error;
        }

        // Others may have spent the allowance or the budget while this one waited for its slot.
        const budget = ctx.budgets.check(provider.id, provider.name, estimate.usd);
        const allowance = ctx.allowances.check(provider.id, provider.name, ctx.limitsOf(provider));
        if (!budget.ok || !allowance.ok) {
          release();
          giveBackProbe();
          if (!budget.ok) skip(provider.id, provider.name, model.id, 'budget', budget.reason);
          else if (!allowance.ok)
            skip(provider.id, provider.name, model.id, 'allowance_spent', allowance.reason);
          break;
        }

        let image: ReferenceImage | null = null;
        if (request.reference && model.capabilities.imageInput) {
          try {
            reference ??= loadReference(ctx.media, request.reference);
            image = await reference;
          } catch (error) {
            release();
            giveBackProbe();
            if (!(error instanceof AppError)) throw error;
            return end({ status: 'failed', code: error.code, message: error.message });
          }
        }

        ctx.allowances.take(provider.id);
        const unreserve = ctx.budgets.reserve(provider.id, estimate.usd);
        held.add(unreserve);
        jobs.setInFlight(runId, provider.id, clock.now());
        update('requesting', provider.id, lease ? `on ${lease.label}` : null);

        const attemptTimer = new AbortController();
        const timer = setTimeout(
          () => attemptTimer.abort(new AttemptDeadlineError('attempt deadline')),
          policy.attemptTimeoutMs,
        );
        timer.unref();
        const startedAt = clock.now();
        let result: AttemptResult;
        try {
          result = await callAdapter(ctx, adapter, {
            request: { ...request, seed },
            provider,
            model,
            apiKey,
            endpoint: lease?.url ?? endpointOf(ctx, provider),
            reference: image,
            options: request.options?.[provider.id] ?? {},
            server: lease?.target ?? null,
            signal: AbortSignal.any([signal, attemptTimer.signal]),
            fetch: ctx.fetch,
            clock,
            onProgress(progress: ProgressUpdate) {
              const now = clock.now();
              if (now - lastProgressAt < policy.progressIntervalMs) return;
              lastProgressAt = now;
              jobs.heartbeat(runId, now);
              events.emit('run.progress', {
                runId,
                provider: provider.id,
                fraction: progress.fraction === null ? null : Math.min(1, Math.max(0, progress.fraction)),
                message:
                  progress.message === null
                    ? null
                    : providerExcerpt(
                        progress.message,
                        secretsOfCall({ apiKey, server: lease?.target ?? null }),
                      ),
              });
            },
          });
        } finally {
          clearTimeout(timer);
        }

        // An abort the adapter reports as `cancelled` may really be one of our deadlines.
        if (result.outcome === 'cancelled' && !outer.aborted) {
          if (deadline.signal.aborted) {
            result = {
              ...result,
              outcome: 'timeout',
              providerMessage: `Stopped at the run's deadline of ${formatDuration(policy.runDeadlineMs)}.`,
            };
          } else if (attemptTimer.signal.aborted) {
            result = {
              ...result,
              outcome: 'timeout',
              providerMessage: `No answer within ${formatDuration(policy.attemptTimeoutMs)}.`,
            };
          }
        }

        let outputs: NewOutput[] = [];
        const ingestWarnings: string[] = [];
        if (result.outcome === 'ok') {
          update('ingesting', provider.id, null);
          const ingested = await ingestAll(
            ctx,
            result.images.map((i) => i.bytes),
          );
          outputs = ingested.stored.map((media, i) => ({ index: i, ...media }));
          if (outputs.length === 0) {
            result = noImage(
              result,
              ingested.problems[0]
                ? `${provider.name} returned data that is not a usable image: ${ingested.problems[0]}`
                : `${provider.name} answered successfully but sent no image.`,
            );
          } else if (ingested.problems.length > 0) {
            ingestWarnings.push(
              `${ingested.problems.length} of the ${result.images.length} images ${provider.name} sent were not usable: ${ingested.problems[0]}`,
            );
          }
        }

        const cost = result.outcome === 'ok' ? costOf(result, provider, estimate) : null;
        const attempt: Omit<NewAttempt, 'ordinal'> = {
          provider: provider.id,
          model: model.id,
          requestSent: result.requestSent,
          outcome: result.outcome,
          httpStatus: result.httpStatus,
          providerCode: result.outcome === 'ok' ? null : result.providerCode,
          providerMessage: result.providerMessage,
          retryAfterMs: result.outcome === 'ok' ? null : result.retryAfterMs,
          warnings: [
            ...stepWarnings,
            ...result.warnings,
            ...ingestWarnings,
            ...(cost?.warning ? [cost.warning] : []),
          ],
          startedAt,
          latencyMs: Math.max(0, clock.now() - startedAt),
          costUsd: cost?.usd ?? null,
          costCredits: result.outcome === 'ok' ? (result.costCredits ?? null) : null,
          costBasis: cost?.basis ?? null,
          serverId: lease?.target.id ?? null,
        };
        // The ok attempt is recorded together with the run's completion (succeed); any other one now.
        if (result.outcome !== 'ok') record(attempt);
        unreserve();
        release();
        held.delete(unreserve);
        held.delete(release);
        // A pool's health is per server (marked down below), so one dead GPU box does not trip the whole kind.
        if (lease === null) {
          held.delete(giveBackProbe);
          ctx.breakers.record(provider.id, result.outcome, probe);
        } else giveBackProbe();
        tried.push({
          provider: provider.id,
          providerName: provider.name,
          model: model.id,
          outcome: result.outcome,
          message: result.providerMessage,
        });

        if (result.outcome === 'ok') {
          if (ctx.flags.clear(provider.id)) ctx.providersChanged(provider.id);
          return succeed({
            attempt,
            provider,
            model,
            outputs,
            seed: result.seedUsed ?? seed,
            costCredits: result.costCredits ?? null,
            cachedFrom: null,
          });
        }
        if (outer.aborted) return endAborted(provider);
        if (deadline.signal.aborted) return endAborted(null);

        // A local server that did not answer leaves the pool; the next server of the pool is tried first.
        if (lease !== null && (result.outcome === 'unavailable' || result.outcome === 'timeout')) {
          ctx.pool.markDown(
            lease.target.id,
            result.httpStatus === null ? 'unreachable' : 'error',
            result.providerMessage,
          );
          triedServers.add(lease.target.id);
          if (ctx.pool.unavailableReason(local!) === null) continue;
          break;
        }

        const decision = decide(
          result.outcome,
          {
            retries,
            rateLimitRetried,
            retryAfterMs: result.retryAfterMs,
            allowContentFallthrough: route.allowContentFallthrough,
            random: ctx.random,
          },
          policy,
        );
        if (decision.kind === 'retry') {
          if (result.outcome === 'rate_limited') rateLimitRetried = true;
          else retries += 1;
          try {
            await clock.sleep(decision.delayMs, signal);
          } catch (error) {
            if (signal.aborted) return endAborted(null);
            throw error;
          }
          continue;
        }
        if (decision.kind === 'stop') return end(stopEnding(result, provider));
        if (decision.flagKey && ctx.flags.flag(provider.id, result.outcome, result.providerMessage)) {
          ctx.providersChanged(provider.id);
        }
        if (result.outcome === 'content_blocked') {
          runWarnings.push(
            `${provider.name} blocked the prompt (step ${index + 1}); the "${route.label}" route allows falling through, so the next provider was tried.`,
          );
        }
        break;
      }
    }
    return end(exhaustedEnding(tried, budgetSkips));
  } finally {
    clearTimeout(deadlineTimer);
    for (const giveBack of held) giveBack();
  }
}

/**
 * What a successful attempt cost in dollars: the adapter's dollar figure; else the provider's credits at
 * the catalog's dated price per credit; else the catalog estimate, so a budget never misses a request.
 */
function costOf(
  result: AttemptSuccess,
  provider: CatalogProvider,
  estimate: StepEstimate,
): { usd: number | null; basis: CostBasis | null; warning: string | null } {
  if (result.costUsd !== null) return { usd: result.costUsd, basis: 'reported', warning: null };
  const credits = result.costCredits ?? null;
  const converted = credits === null ? null : creditsToUsd(provider, credits);
  if (converted !== null) return { usd: converted, basis: 'credits', warning: null };
  if (estimate.usd === null) {
    return {
      usd: null,
      basis: null,
      warning: `${provider.name} reported no cost and the catalog has no estimate for it; budgets cannot count it`,
    };
  }
  return {
    usd: estimate.usd,
    basis: 'estimate',
    warning: `${provider.name} reported no cost; counted at the catalog estimate of ≈ $${estimate.usd.toFixed(3)}`,
  };
}

const BASIS_ORDER: readonly CostBasis[] = ['reported', 'credits', 'estimate'];

/** The less exact of two bases: a total is only as exact as its roughest part. */
function looser(a: CostBasis | null, b: CostBasis): CostBasis {
  if (a === null) return b;
  return BASIS_ORDER.indexOf(a) >= BASIS_ORDER.indexOf(b) ? a : b;
}

/** Adapters must not throw; one that does is recorded as `unavailable`, and the chain goes on. */
async function callAdapter(
  ctx: DispatchContext,
  adapter: ProviderAdapter,
  call: Parameters<ProviderAdapter['generate']>[0],
): Promise<AttemptResult> {
  // Whatever an adapter missed, what is stored and emitted is a bounded excerpt without the call's secrets.
  const secrets = secretsOfCall(call);
  try {
    return scrubAttempt<AttemptResult>(await adapter.generate(call), secrets);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ctx.log.error('adapter threw instead of classifying', { provider: call.provider.id, error: message });
    return {
      outcome: call.signal.aborted ? 'cancelled' : 'unavailable',
      requestSent: {},
      httpStatus: null,
      warnings: [],
      providerCode: 'adapter_error',
      providerMessage: providerExcerpt(`Atelier's ${call.provider.name} adapter failed: ${message}`, secrets),
      retryAfterMs: null,
    };
  }
}

/** Verifies and stores each image; bytes that do not decode are reported, not stored. */
async function ingestAll(
  ctx: DispatchContext,
  images: Uint8Array[],
): Promise<{ stored: IngestedMedia[]; problems: string[] }> {
  const settled = await Promise.allSettled(images.map((bytes) => ctx.media.ingest(bytes)));
  const stored: IngestedMedia[] = [];
  const problems: string[] = [];
  for (const outcome of settled) {
    if (outcome.status === 'fulfilled') stored.push(outcome.value);
    else if (outcome.reason instanceof MediaError) problems.push(outcome.reason.message);
    else throw outcome.reason; // A disk or programming error, not the provider's.
  }
  return { stored, problems };
}

function noImage(result: AttemptResult, message: string): AttemptFailure {
  return {
    outcome: 'no_image',
    requestSent: result.requestSent,
    httpStatus: result.httpStatus,
    warnings: result.warnings,
    providerCode: null,
    providerMessage: message,
    retryAfterMs: null,
  };
}

function stopEnding(result: AttemptFailure, provider: CatalogProvider): Ending {
  if (result.outcome === 'cancelled')
    return { status: 'cancelled', code: 'cancelled', message: 'The run was cancelled.' };
  return {
    status: 'failed',
    code: result.outcome,
    message: sentence(result.outcome, provider.name, result.providerMessage),
  };
}

function sentence(outcome: AttemptOutcome, providerName: string, said: string | null): string {
  const line = describeOutcome(outcome, providerName);
  return said ? `${line} ${providerName} said: ${said}` : line;
}

/** No provider produced an image: the last real answer leads, the rest of the chain follows briefly. */
function exhaustedEnding(tried: Tried[], budgetSkips: number): Ending {
  const sent = tried.filter((t) => t.outcome !== 'skipped');
  const others = (exclude: Tried | undefined) =>
    tried
      .filter((t) => t !== exclude)
      .map(
        (t) =>
          `${t.providerName} (${t.outcome === 'skipped' ? `skipped: ${t.message}` : outcomeWords(t.outcome)})`,
      );
  if (sent.length === 0) {
    if (tried.length > 0 && budgetSkips === tried.length) {
      return {
        status: 'failed',
        code: 'budget_exceeded',
        message: `Every provider in the route would exceed a budget: ${tried.map((t) => t.message).join('; ')}.`,
      };
    }
    return {
      status: 'failed',
      code: 'no_provider',
      message: `No provider in the route could be tried: ${others(undefined).join(', ')}.`,
    };
  }
  const last = sent.at(-1)!;
  const rest = others(last);
  const also = rest.length > 0 ? ` Also tried: ${rest.join(', ')}.` : '';
  return {
    status: 'failed',
    code: last.outcome,
    message: `${sentence(last.outcome, last.providerName, last.message)}${also}`,
  };
}

export function interruptedMessage(providerName: string): string {
  return `Interrupted while ${providerName} was generating; not retried automatically to avoid paying twice.`;
}

function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000) return `${Math.round(ms / 100) / 10} s`;
  return `${ms} ms`;
}
