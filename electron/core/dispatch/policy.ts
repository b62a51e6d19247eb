import type { AttemptOutcome, ProviderErrorClass } from '../../../shared/domain';

/** Every knob of the chain's behaviour; defaults from the issue, overridable per core (tests, benchmarks). */
export interface DispatchPolicy {
  /** A 429 whose Retry-After is at most this is waited out once on the same provider; longer ones fall through. */
  rateLimitWaitCapMs: number;
  /** Retries of the same provider after `unavailable` or `timeout`, before falling through. */
  retryLimit: number;
  /** First backoff; each retry doubles it, jittered to 50–100 %. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Consecutive `unavailable`/`timeout` answers within `breakerWindowMs` that open a provider's breaker. */
  breakerThreshold: number;
  breakerWindowMs: number;
  /** How long an open breaker skips its provider before one probe is let through. */
  breakerCooldownMs: number;
  /** A run that has not produced an image by then fails with `timeout`. */
  runDeadlineMs: number;
  /** One request to one provider, polling included. */
  attemptTimeoutMs: number;
  /** `run.progress` events per run are at least this far apart (5 per second). */
  progressIntervalMs: number;
  /** Runs the queue starts at once; per-provider concurrency is limited separately. */
  maxConcurrentRuns: number;
  /** How often enabled local servers are checked. */
  healthCheckIntervalMs: number;
}

export const DEFAULT_POLICY: DispatchPolicy = {
  rateLimitWaitCapMs: 20_000,
  retryLimit: 2,
  backoffBaseMs: 500,
  backoffMaxMs: 8_000,
  breakerThreshold: 3,
  breakerWindowMs: 60_000,
  breakerCooldownMs: 30_000,
  runDeadlineMs: 5 * 60_000,
  attemptTimeoutMs: 180_000,
  progressIntervalMs: 200,
  maxConcurrentRuns: 32,
  healthCheckIntervalMs: 60_000,
};

/** What the chain does after one failed attempt. */
export type Decision =
  | { kind: 'retry'; delayMs: number; why: string }
  | { kind: 'next'; flagKey: boolean }
  | { kind: 'stop' };

export interface DecisionContext {
  /** Backoff retries already spent on this step (unavailable/timeout). */
  retries: number;
  /** Whether this step already waited out one 429. */
  rateLimitRetried: boolean;
  retryAfterMs: number | null;
  allowContentFallthrough: boolean;
  /** 0 ≤ random() < 1, injected so tests know the jitter. */
  random: () => number;
}

/** The chain's rule per error class (see ARCHITECTURE.md, "Error classes of the dispatcher"). */
export function decide(outcome: ProviderErrorClass, ctx: DecisionContext, policy: DispatchPolicy): Decision {
  switch (outcome) {
    case 'rate_limited':
      if (
        !ctx.rateLimitRetried &&
        ctx.retryAfterMs !== null &&
        ctx.retryAfterMs <= policy.rateLimitWaitCapMs
      ) {
        return { kind: 'retry', delayMs: ctx.retryAfterMs, why: `waiting ${ctx.retryAfterMs} ms as asked` };
      }
      return { kind: 'next', flagKey: false };
    case 'unavailable':
    case 'timeout':
      if (ctx.retries < policy.retryLimit) {
        const delayMs = backoffDelay(ctx.retries, policy, ctx.random);
        return { kind: 'retry', delayMs, why: `retry ${ctx.retries + 1} of ${policy.retryLimit}` };
      }
      return { kind: 'next', flagKey: false };
    case 'quota_exhausted':
    case 'auth_failed':
      return { kind: 'next', flagKey: true };
    case 'content_blocked':
      return ctx.allowContentFallthrough ? { kind: 'next', flagKey: false } : { kind: 'stop' };
    case 'no_image':
      return { kind: 'next', flagKey: false };
    case 'invalid_request':
    case 'cancelled':
      return { kind: 'stop' };
  }
}

/** Exponential backoff with jitter: base × 2^retry, scaled to 50–100 % so parallel runs do not retry in step. */
export function backoffDelay(retry: number, policy: DispatchPolicy, random: () => number): number {
  const ceiling = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** retry);
  return Math.round(ceiling * (0.5 + random() / 2));
}

/** Outcomes that say the provider is down or slow, as opposed to answering (even with a refusal). */
export function isOutage(outcome: AttemptOutcome): boolean {
  return outcome === 'unavailable' || outcome === 'timeout';
}
