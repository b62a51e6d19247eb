import { MAX_SEED } from '../../../shared/domain';
import { AppError } from '../../../shared/result';
import type { JobEnd } from '../jobs/queue';
import { seedRangeOf } from '../providers/catalog';
import { admit, localKindOf, type Settled, type StepAttempts, send, settle } from './attempt';
import type { DispatchContext } from './context';
import { openLedger, type RunLedger, stopEnding } from './ledger';
import { findCached, type PlannedStep, planRoute, type ReadyStep } from './plan';
import { type ChainRules, decide, FIRST_ATTEMPT, type StepState } from './policy';

/** How one step ended for the run: it goes on to the next step, or it is over. */
type StepEnd = { kind: 'next' } | { kind: 'over'; end: JobEnd };
const NEXT: StepEnd = { kind: 'next' };

/**
 * Runs one generation through its chain: cache, then each step in order with the policy per error
 * class, breakers, allowances, budgets, concurrency slots and local server pools. Every attempt, sent
 * or skipped, is recorded in order; the run always ends in a recorded state (or, at shutdown before
 * anything was sent, goes back to the queue).
 */
export async function executeRun(ctx: DispatchContext, runId: number, outer: AbortSignal): Promise<JobEnd> {
  const work = ctx.runs.work(runId);
  if (!work || (work.status !== 'queued' && work.status !== 'running')) return 'done';
  const { route, steps } = planRoute(ctx, work.request, work.route ?? undefined);
  const run = openLedger(ctx, runId, work.request, route, outer);
  try {
    // A random seed is drawn per step, inside the range of the provider that receives it.
    ctx.runs.markRunning(runId, { now: ctx.clock.now(), seed: work.request.seed });
    if (run.signal.aborted) return run.endAborted(null);

    // The cache first: an identical request with an explicit seed reuses earlier outputs at no cost.
    const cached = findCached(ctx, run.request, steps);
    if (cached) return reuse(ctx, run, cached.step, cached.hit);

    for (const [index, step] of steps.entries()) {
      if (run.signal.aborted) return run.endAborted(null);
      const ended = await runStep(ctx, run, step, index);
      if (ended.kind === 'over') return ended.end;
    }
    return run.endExhausted();
  } finally {
    run.close();
  }
}

/** One step of the chain: the checks that need no request, then attempts until the policy moves on. */
async function runStep(
  ctx: DispatchContext,
  run: RunLedger,
  planned: PlannedStep,
  index: number,
): Promise<StepEnd> {
  if (!planned.ok) {
    run.skip(
      { provider: planned.step.provider, providerName: planned.providerName, model: planned.model },
      planned.code,
      planned.reason,
    );
    return NEXT;
  }
  const { provider, model } = planned;
  const who = { provider: provider.id, providerName: provider.name, model: model.id };
  run.reached(provider.id, model.id);

  // An explicit seed is the designer's promise of a reproducible image: never wrapped into another number.
  if (planned.seedRefusal !== null) {
    run.skip(who, 'seed_out_of_range', planned.seedRefusal);
    return NEXT;
  }
  const key = readKey(ctx, planned);
  if (!key.ok) {
    run.skip(who, key.code, key.reason);
    return NEXT;
  }
  const attempts: StepAttempts = {
    step: planned,
    seed: run.request.seed ?? ctx.randomSeed(seedRangeOf(model) ?? { min: 0, max: MAX_SEED }),
    apiKey: key.apiKey,
    local: localKindOf(provider),
    triedServers: new Set(),
    warnings:
      run.request.reference && !model.capabilities.imageInput
        ? [`reference ignored: ${model.name} does not take a reference image`]
        : [],
  };
  const rules: ChainRules = {
    policy: ctx.policy,
    allowContentFallthrough: run.route.allowContentFallthrough,
    random: ctx.random,
  };

  let state: StepState = FIRST_ATTEMPT;
  while (true) {
    // One attempt: admit → send → settle; whatever happens, the lease is back after it.
    const admission = await admit(ctx, run, attempts);
    if (admission.kind === 'skipped') return NEXT;
    if (admission.kind === 'over') return admission;
    let tried: Settled;
    try {
      tried = settle(ctx, run, attempts, admission.lease, await send(ctx, run, attempts, admission));
    } finally {
      admission.lease.release(); // A no-op once settled.
    }
    if (tried.kind === 'over') return tried;
    const { failure } = tried;
    const decision = decide(state, tried.report, rules);
    switch (decision.kind) {
      case 'interrupted':
        return over(run.endAborted(decision.by === 'run' ? provider : null));
      case 'next_server':
        continue;
      case 'retry':
        state = decision.state;
        try {
          await ctx.clock.sleep(decision.delayMs, run.signal);
        } catch (error) {
          if (run.signal.aborted) return over(run.endAborted(null));
          throw error;
        }
        continue;
      case 'stop':
        return over(run.end(stopEnding(failure, provider)));
      case 'next':
        if (decision.flagKey && ctx.flags.flag(provider.id, failure.outcome, failure.providerMessage)) {
          ctx.providersChanged(provider.id);
        }
        if (decision.blockFallthrough) {
          run.warnings.push(
            `${provider.name} blocked the prompt (step ${index + 1}); the "${run.route.label}" route allows falling through, so the next provider was tried.`,
          );
        }
        return NEXT;
    }
  }
}

function over(end: JobEnd): StepEnd {
  return { kind: 'over', end };
}

/** The step's API key: none needed, the stored one, or why the step is skipped. */
function readKey(
  ctx: DispatchContext,
  step: ReadyStep,
): { ok: true; apiKey: string | null } | { ok: false; code: 'key_unreadable' | 'no_key'; reason: string } {
  const { provider } = step;
  if (provider.auth === 'none') return { ok: true, apiKey: null };
  let apiKey: string | null;
  try {
    apiKey = ctx.keys.secretFor(provider.id);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { ok: false, code: 'key_unreadable', reason: error.message };
  }
  if (apiKey === null && provider.auth === 'key') return { ok: false, code: 'no_key', reason: 'no API key' };
  return { ok: true, apiKey };
}

/** Completes the run with the stored images of an identical earlier run, at no cost. */
function reuse(
  ctx: DispatchContext,
  run: RunLedger,
  step: ReadyStep,
  hit: NonNullable<ReturnType<typeof findCached>>['hit'],
): JobEnd {
  return run.succeed({
    attempt: {
      provider: step.provider.id,
      model: step.model.id,
      requestSent: { cachedFrom: hit.runId },
      outcome: 'ok',
      httpStatus: null,
      providerCode: null,
      providerMessage: `Reused the images of run ${hit.runId}: same request, seed, provider and model.`,
      retryAfterMs: null,
      warnings: [],
      startedAt: ctx.clock.now(),
      latencyMs: 0,
      costUsd: 0,
      cached: true,
    },
    provider: step.provider,
    model: step.model,
    outputs: hit.outputs,
    seed: hit.seed ?? run.request.seed,
    costCredits: null,
    cachedFrom: hit.runId,
    cacheKey: null,
  });
}
