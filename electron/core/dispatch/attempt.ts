// One attempt of one step, in three parts: admit (gate, slot, the checks again; what it holds is ONE lease),
// send (the adapter call under the attempt's deadline, timeouts classified, images stored), settle (cost, the
// record, the lease back, in one tick). The runner's loop and the pure `decide` (policy.ts) do the rest.
import type { AttemptOutcome, CostBasis } from '../../../shared/domain';
import { AppError } from '../../../shared/result';
import type { JobEnd } from '../jobs/queue';
import { type IngestedMedia, MediaError } from '../media';
import { type CatalogProvider, creditsToUsd } from '../providers/catalog';
import { providerExcerpt, scrubAttempt, secretsOfCall } from '../providers/redact';
import type {
  AttemptFailure,
  AttemptResult,
  AttemptSuccess,
  ProgressUpdate,
  ProviderAdapter,
  ProviderImage,
  ReferenceImage,
} from '../providers/types';
import type { NewAttempt, NewOutput } from '../store';
import type { LocalServerKind } from '../store/local-servers-repo';
import { type DispatchContext, endpointOf, gateStep } from './context';
import type { StepEstimate } from './estimate';
import { formatDuration, type RunLedger } from './ledger';
import { isLocalKind, type ServerLease } from './local-pool';
import type { ReadyStep } from './plan';
import { type AttemptReport, isOutage } from './policy';

/**
 * Everything an admitted attempt holds: a provider slot or a local server, the budget reservation, and the
 * breaker's half-open probe when it took it. Given back in one place: `settle` with the attempt's outcome,
 * or `release` on any other way out (both idempotent; the runner releases in a `finally`).
 */
export interface Lease {
  /** The local server the attempt goes to; null for a cloud provider. */
  readonly server: ServerLease | null;
  /** Gives everything back and tells the breaker how it went (a pool's health is per server instead). */
  settle(outcome: AttemptOutcome): void;
  /** Gives everything back without a verdict. */
  release(): void;
}

/** What stays the same across the attempts of one step. */
export interface StepAttempts {
  step: ReadyStep;
  /** The seed sent: the request's, or one drawn in this provider's range. */
  seed: number;
  apiKey: string | null;
  /** The step's local pool kind; null for a cloud provider. */
  local: LocalServerKind | null;
  /** Servers of the pool that failed this run: the next attempt goes elsewhere. */
  triedServers: Set<number>;
  /** Warnings every attempt of the step carries. */
  warnings: string[];
}

export type Admission =
  | { kind: 'admitted'; lease: Lease; reference: ReferenceImage | null }
  /** Not sent; the skip is recorded: fall through to the next step. */
  | { kind: 'skipped' }
  /** The run ended while admitting (aborted waiting for a slot, or an unusable reference). */
  | { kind: 'over'; end: JobEnd };

/** Whether the attempt may go now: gate, a slot, the checks again after the wait, the reference; then it takes what it holds. */
export async function admit(
  ctx: DispatchContext,
  run: RunLedger,
  attempts: StepAttempts,
): Promise<Admission> {
  const { provider, model, estimate } = attempts.step;
  const skip = (code: Parameters<RunLedger['skip']>[1], reason: string): Admission => {
    run.skip({ provider: provider.id, providerName: provider.name, model: model.id }, code, reason);
    return { kind: 'skipped' };
  };
  const gate = gateStep(ctx, provider, estimate.usd, true);
  if (!gate.ok) return skip(gate.code, gate.reason);
  const lease = openLease(ctx, provider, gate.probe);
  try {
    // Wait for a slot: the provider's concurrency, or a free server in the local pool.
    if (attempts.local !== null) {
      const server = await ctx.pool.lease(attempts.local, attempts.triedServers, run.signal);
      if (server === null) {
        lease.release();
        const reason =
          ctx.pool.unavailableReason(attempts.local) ?? `every ${provider.name} server failed this run`;
        return skip('no_server', reason);
      }
      lease.holdServer(server);
    } else {
      const limit = ctx.limitsOf(provider).concurrency;
      if (limit !== null && ctx.slots.inFlight(provider.id) + ctx.slots.waiting(provider.id) >= limit) {
        // In line behind other runs for this provider: the screen says whom it waits for.
        run.phase('queued', provider.id, `waiting for a free ${provider.name} slot (${limit} at once)`);
      }
      lease.holdSlot(await ctx.slots.acquire(provider.id, run.signal));
    }
  } catch (error) {
    lease.release();
    if (run.signal.aborted) return { kind: 'over', end: run.endAborted(null) };
    throw error;
  }

  // Others may have spent the allowance or the budget while this one waited for its slot.
  const budget = ctx.budgets.check(provider.id, provider.name, estimate.usd);
  const allowance = ctx.allowances.check(provider.id, provider.name, ctx.limitsOf(provider));
  if (!budget.ok || !allowance.ok) {
    lease.release();
    if (!budget.ok) return skip('budget', budget.reason);
    if (!allowance.ok) return skip('allowance_spent', allowance.reason);
  }

  let reference: ReferenceImage | null = null;
  if (run.request.reference && model.capabilities.imageInput) {
    try {
      reference = await run.reference();
    } catch (error) {
      lease.release();
      if (!(error instanceof AppError)) throw error;
      return { kind: 'over', end: run.end({ status: 'failed', code: error.code, message: error.message }) };
    }
  }

  ctx.allowances.take(provider.id);
  lease.reserve(estimate.usd);
  return { kind: 'admitted', lease, reference };
}

function openLease(ctx: DispatchContext, provider: CatalogProvider, probe: boolean) {
  let server: ServerLease | null = null;
  let slot: (() => void) | null = null;
  let unreserve: (() => void) | null = null;
  let open = true;
  const giveBack = () => {
    unreserve?.();
    slot?.();
    open = false;
  };
  return {
    get server() {
      return server;
    },
    holdServer(leased: ServerLease) {
      server = leased;
      slot = leased.release;
    },
    holdSlot(release: () => void) {
      slot = release;
    },
    reserve(usd: number | null) {
      unreserve = ctx.budgets.reserve(provider.id, usd);
    },
    settle(outcome: AttemptOutcome) {
      if (!open) return;
      giveBack();
      // A pool's health is per server (marked down on settling), so one dead GPU box does not trip the whole kind.
      if (server === null) ctx.breakers.record(provider.id, outcome, probe);
      else if (probe) ctx.breakers.releaseProbe(provider.id);
    },
    release() {
      if (!open) return;
      giveBack();
      if (probe) ctx.breakers.releaseProbe(provider.id);
    },
  };
}

/** The abort reason when one request takes longer than the attempt timeout. */
class AttemptDeadlineError extends Error {}

export interface Sent {
  /** The adapter's answer, classified; `no_image` when none of the images it sent is usable. */
  result: AttemptResult;
  startedAt: number;
  /** The images stored (a success only). */
  outputs: NewOutput[];
  /** Images that were sent but not usable, when others were. */
  ingestWarnings: string[];
}

/**
 * The adapter call under the attempt's own deadline (an abort the adapter reports as `cancelled` may really
 * be a deadline), then the images verified and stored. Adapters must not throw; one that does is recorded
 * as `unavailable`, and the chain goes on.
 */
export async function send(
  ctx: DispatchContext,
  run: RunLedger,
  attempts: StepAttempts,
  admitted: { lease: Lease; reference: ReferenceImage | null },
): Promise<Sent> {
  const { clock, policy } = ctx;
  const { provider, model, adapter } = attempts.step;
  const { lease } = admitted;
  const server = lease.server?.target ?? null;
  ctx.jobs.setInFlight(run.runId, provider.id, clock.now());
  run.phase('requesting', provider.id, lease.server ? `on ${lease.server.label}` : null);

  const attemptTimer = new AbortController();
  const timer = setTimeout(
    () => attemptTimer.abort(new AttemptDeadlineError('attempt deadline')),
    policy.attemptTimeoutMs,
  );
  timer.unref();
  const startedAt = clock.now();
  const call: Parameters<ProviderAdapter['generate']>[0] = {
    request: { ...run.request, seed: attempts.seed },
    provider,
    model,
    apiKey: attempts.apiKey,
    endpoint: lease.server?.url ?? endpointOf(ctx, provider),
    reference: admitted.reference,
    options: run.request.options?.[provider.id] ?? {},
    server,
    signal: AbortSignal.any([run.signal, attemptTimer.signal]),
    fetch: ctx.fetch,
    clock,
    onProgress(progress: ProgressUpdate) {
      const now = clock.now();
      if (!run.progressDue(now)) return;
      ctx.jobs.heartbeat(run.runId, now);
      ctx.events.emit('run.progress', {
        runId: run.runId,
        provider: provider.id,
        fraction: progress.fraction === null ? null : Math.min(1, Math.max(0, progress.fraction)),
        message:
          progress.message === null
            ? null
            : providerExcerpt(progress.message, secretsOfCall({ apiKey: attempts.apiKey, server })),
      });
    },
  };
  // Whatever an adapter missed, what is stored and emitted is a bounded excerpt without the call's secrets.
  const secrets = secretsOfCall(call);
  let result: AttemptResult;
  try {
    result = scrubAttempt<AttemptResult>(await adapter.generate(call), secrets);
  } catch (error) {
    result = adapterThrew(ctx, call, error, secrets);
  } finally {
    clearTimeout(timer);
  }

  if (result.outcome === 'cancelled') {
    const by = run.interruption();
    if (by === 'deadline') {
      result = {
        ...result,
        outcome: 'timeout',
        providerMessage: `Stopped at the run's deadline of ${formatDuration(policy.runDeadlineMs)}.`,
      };
    } else if (by === null && attemptTimer.signal.aborted) {
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
    run.phase('ingesting', provider.id, null);
    const ingested = await ingestAll(ctx, result.images);
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
  return { result, startedAt, outputs, ingestWarnings };
}

/** What an attempt came to: a success completed the run; a failure is recorded and goes to the policy. */
export type Settled =
  | { kind: 'over'; end: JobEnd }
  | { kind: 'failed'; report: AttemptReport; failure: AttemptFailure };

/**
 * Prices the attempt, gives the lease back with the outcome and records the attempt, all in one tick: a
 * success completes the run; a local server that did not answer is marked down.
 */
export function settle(
  ctx: DispatchContext,
  run: RunLedger,
  attempts: StepAttempts,
  lease: Lease,
  sent: Sent,
): Settled {
  const { provider, model, estimate } = attempts.step;
  const { result, outputs, ingestWarnings } = sent;

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
      ...attempts.warnings,
      ...result.warnings,
      ...ingestWarnings,
      ...(cost?.warning ? [cost.warning] : []),
    ],
    startedAt: sent.startedAt,
    latencyMs: Math.max(0, ctx.clock.now() - sent.startedAt),
    costUsd: cost?.usd ?? null,
    costCredits: result.outcome === 'ok' ? (result.costCredits ?? null) : null,
    costBasis: cost?.basis ?? null,
    serverId: lease.server?.target.id ?? null,
  };
  // The ok attempt is recorded together with the run's completion (the ledger's succeed); any other one now.
  if (result.outcome !== 'ok') run.record(attempt);
  lease.settle(result.outcome);
  run.tried({
    provider: provider.id,
    providerName: provider.name,
    model: model.id,
    outcome: result.outcome,
    message: result.providerMessage,
  });

  if (result.outcome === 'ok') {
    // In the same tick as the lease's return: a run woken by the freed slot sees this one's cost.
    if (ctx.flags.clear(provider.id)) ctx.providersChanged(provider.id);
    const end = run.succeed({
      attempt,
      provider,
      model,
      outputs,
      seed: result.seedUsed ?? attempts.seed,
      costCredits: result.costCredits ?? null,
      cachedFrom: null,
      cacheKey: attempts.step.cacheKey,
    });
    return { kind: 'over', end };
  }
  const interrupted = run.interruption();
  let serverDown: AttemptReport['serverDown'] = null;
  // A local server that did not answer leaves the pool; the next server of the pool is tried first.
  if (interrupted === null && lease.server !== null && attempts.local !== null && isOutage(result.outcome)) {
    ctx.pool.markDown(
      lease.server.target.id,
      result.httpStatus === null ? 'unreachable' : 'error',
      result.providerMessage,
    );
    attempts.triedServers.add(lease.server.target.id);
    serverDown = { anotherUp: ctx.pool.unavailableReason(attempts.local) === null };
  }
  return {
    kind: 'failed',
    report: { outcome: result.outcome, retryAfterMs: result.retryAfterMs, interrupted, serverDown },
    failure: result,
  };
}

/** The step's local pool kind, or null for a cloud provider. */
export function localKindOf(provider: CatalogProvider): LocalServerKind | null {
  return provider.kind === 'local' && isLocalKind(provider.id) ? provider.id : null;
}

/**
 * What a successful attempt cost in dollars: the adapter's dollar figure; else the provider's credits at
 * the catalog's dated price per credit; else the catalog estimate, so a budget never misses a request.
 */
export function costOf(
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

/** An adapter that threw instead of classifying: `unavailable` (or `cancelled` when the call was aborted). */
function adapterThrew(
  ctx: DispatchContext,
  call: Parameters<ProviderAdapter['generate']>[0],
  error: unknown,
  secrets: ReturnType<typeof secretsOfCall>,
): AttemptFailure {
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

/** Verifies and stores each image; bytes that do not decode are reported, not stored. */
/** Stores each image; the provider's safety flag stays with the image it was sent for. */
async function ingestAll(
  ctx: DispatchContext,
  images: readonly ProviderImage[],
): Promise<{ stored: Array<IngestedMedia & Pick<NewOutput, 'providerSafety'>>; problems: string[] }> {
  const settled = await Promise.allSettled(images.map((image) => ctx.media.ingest(image.bytes)));
  const stored: Array<IngestedMedia & Pick<NewOutput, 'providerSafety'>> = [];
  const problems: string[] = [];
  for (const [i, outcome] of settled.entries()) {
    if (outcome.status === 'fulfilled')
      stored.push({ ...outcome.value, providerSafety: images[i]!.safety ?? null });
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
