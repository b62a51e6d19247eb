import type {
  AttemptOutcome,
  CostBasis,
  GenerationRequest,
  RunRoute,
  RunStatus,
} from '../../../shared/domain';
import { type JobEnd, ShutdownError } from '../jobs/queue';
import type { CatalogModel, CatalogProvider } from '../providers/catalog';
import type { ReferenceImage } from '../providers/types';
import type { NewAttempt, NewOutput } from '../store';
import type { DispatchContext } from './context';
import { describeOutcome, outcomeWords, type SkipCode } from './messages';
import { loadReference } from './reference';

/** The abort reason when a run passes its overall deadline. */
export class RunDeadlineError extends Error {
  constructor(ms: number) {
    super(`No image within ${formatDuration(ms)}; the run was stopped.`);
    this.name = 'RunDeadlineError';
  }
}

/** A provider a run went to, for the sentence that ends a run no provider served. */
export interface Tried {
  provider: string;
  providerName: string;
  model: string;
  outcome: AttemptOutcome;
  message: string | null;
}

/** How a run ends when no provider produced an image. */
export interface Ending {
  status: Exclude<RunStatus, 'queued' | 'running' | 'succeeded'>;
  code: string;
  message: string;
}

/** A successful attempt, recorded together with the run's completion. */
export interface Success {
  attempt: Omit<NewAttempt, 'ordinal'>;
  provider: CatalogProvider;
  model: CatalogModel;
  outputs: NewOutput[];
  /** The seed the provider reports, else the one sent. */
  seed: number | null;
  costCredits: number | null;
  cachedFrom: number | null;
  /** The identical-request cache key the outputs are kept under; null when they came from the cache. */
  cacheKey: string | null;
}

/**
 * One run in progress: its signals, its record (every attempt in order, cost totals, warnings) and how it
 * ends. Every way a run ends goes through here, so each emits the same events and stores the same fields.
 */
export interface RunLedger {
  readonly runId: number;
  readonly request: GenerationRequest;
  readonly route: RunRoute;
  /** Fires when the run is cancelled, Atelier is closing, or the run's deadline passes. */
  readonly signal: AbortSignal;
  /** What stopped the run, if anything: its own signal (cancel, shutdown) first, else its deadline. */
  interruption(): 'run' | 'deadline' | null;
  /** Warnings kept on the run itself (not on one attempt). */
  readonly warnings: string[];
  /** The request's reference image, loaded once per run when a step first takes it. */
  reference(): Promise<ReferenceImage>;
  /** The step the run reached last: a failed run names it. */
  reached(provider: string, model: string): void;
  record(attempt: Omit<NewAttempt, 'ordinal'>): number;
  /** Records a step passed over without a request, and why. */
  skip(step: { provider: string; providerName: string; model: string }, code: SkipCode, reason: string): void;
  tried(entry: Tried): void;
  phase(phase: 'queued' | 'requesting' | 'ingesting', provider: string, message: string | null): void;
  /** Whether a progress event may go out now (they are at least `progressIntervalMs` apart). */
  progressDue(now: number): boolean;
  succeed(done: Success): JobEnd;
  end(ending: Ending): JobEnd;
  /** Ends a run whose signal fired; `inFlight` is the provider a request was out to, if one was. */
  endAborted(inFlight: CatalogProvider | null): JobEnd;
  /** Ends a run no provider served: the last real answer leads, the rest of the chain follows briefly. */
  endExhausted(): JobEnd;
  /** Stops the deadline timer. */
  close(): void;
}

export function openLedger(
  ctx: DispatchContext,
  runId: number,
  request: GenerationRequest,
  route: RunRoute,
  outer: AbortSignal,
): RunLedger {
  const { runs, jobs, clock, events, policy } = ctx;
  const deadline = new AbortController();
  const deadlineTimer = setTimeout(
    () => deadline.abort(new RunDeadlineError(policy.runDeadlineMs)),
    policy.runDeadlineMs,
  );
  deadlineTimer.unref();

  let ordinal = runs.nextOrdinal(runId);
  const tried: Tried[] = [];
  const warnings: string[] = [];
  let totalUsd: number | null = null;
  let totalBasis: CostBasis | null = null;
  let last: { provider: string; model: string } | null = null;
  let budgetSkips = 0;
  let reference: Promise<ReferenceImage> | null = null;
  let lastProgressAt = Number.NEGATIVE_INFINITY;

  function record(attempt: Omit<NewAttempt, 'ordinal'>): number {
    const id = runs.recordAttempt(runId, { ...attempt, ordinal });
    ordinal += 1;
    jobs.countAttempt(runId, clock.now());
    if (attempt.costUsd !== null) {
      totalUsd = (totalUsd ?? 0) + attempt.costUsd;
      totalBasis = looser(totalBasis, attempt.costBasis ?? 'reported');
    }
    return id;
  }

  function end(ending: Ending): JobEnd {
    runs.fail(runId, {
      now: clock.now(),
      status: ending.status,
      code: ending.code,
      message: ending.message,
      costUsd: totalUsd,
      costBasis: totalBasis,
      ...(last ?? {}),
      warnings,
    });
    events.emit('run.updated', {
      runId,
      status: ending.status,
      phase: 'done',
      provider: last?.provider ?? null,
      message: ending.message,
    });
    events.emit('run.completed', {
      runId,
      status: ending.status,
      outputsCount: 0,
      error: { code: ending.code, message: ending.message },
    });
    return 'done';
  }

  return {
    runId,
    request,
    route,
    signal: AbortSignal.any([outer, deadline.signal]),
    interruption: () => (outer.aborted ? 'run' : deadline.signal.aborted ? 'deadline' : null),
    warnings,
    reference() {
      reference ??= loadReference(ctx.media, request.reference!);
      return reference;
    },
    reached(provider, model) {
      last = { provider, model };
    },
    record,
    skip(step, code, reason) {
      record({
        provider: step.provider,
        model: step.model,
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
      tried.push({ ...step, outcome: 'skipped', message: reason });
    },
    tried: (entry) => tried.push(entry),
    phase(phase, provider, message) {
      events.emit('run.updated', { runId, status: 'running', phase, provider, message });
    },
    progressDue(now) {
      if (now - lastProgressAt < policy.progressIntervalMs) return false;
      lastProgressAt = now;
      return true;
    },
    /** Records the successful attempt and completes the run in one transaction: a crash leaves neither or both. */
    succeed(done) {
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
          cacheKey: done.cacheKey,
          warnings,
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
    },
    end,
    endAborted(inFlight) {
      if (outer.aborted && outer.reason instanceof ShutdownError) {
        if (inFlight === null) {
          // Nothing was out: the run goes back to the queue and resumes on the next start.
          runs.requeue(runId);
          return 'requeue';
        }
        return end({ status: 'failed', code: 'interrupted', message: interruptedMessage(inFlight.name) });
      }
      if (!outer.aborted && deadline.signal.aborted) {
        return end({
          status: 'failed',
          code: 'timeout',
          message: new RunDeadlineError(policy.runDeadlineMs).message,
        });
      }
      return end({ status: 'cancelled', code: 'cancelled', message: 'The run was cancelled.' });
    },
    endExhausted: () => end(exhaustedEnding(tried, budgetSkips)),
    close() {
      clearTimeout(deadlineTimer);
    },
  };
}

const BASIS_ORDER: readonly CostBasis[] = ['reported', 'credits', 'estimate'];

/** The less exact of two bases: a total is only as exact as its roughest part. */
function looser(a: CostBasis | null, b: CostBasis): CostBasis {
  if (a === null) return b;
  return BASIS_ORDER.indexOf(a) >= BASIS_ORDER.indexOf(b) ? a : b;
}

/** How a run ends when a provider's answer stops the chain. */
export function stopEnding(
  result: { outcome: AttemptOutcome; providerMessage: string | null },
  provider: CatalogProvider,
): Ending {
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
export function exhaustedEnding(tried: readonly Tried[], budgetSkips: number): Ending {
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

export function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000) return `${Math.round(ms / 100) / 10} s`;
  return `${ms} ms`;
}
