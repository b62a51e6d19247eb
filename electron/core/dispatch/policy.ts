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

/** Where one step of the chain stands between its attempts. */
export interface StepState {
  /** Backoff retries already spent on this step (unavailable/timeout). */
  retries: number;
  /** Whether this step already waited out one 429. */
  rateLimitRetried: boolean;
}

export const FIRST_ATTEMPT: StepState = { retries: 0, rateLimitRetried: false };

/** What one failed attempt came to, as far as the chain's policy cares. */
export interface AttemptReport {
  outcome: ProviderErrorClass;
  retryAfterMs: number | null;
  /** The run was stopped while the attempt was out: cancelled or shut down (`run`), or its deadline passed. */
  interrupted: 'run' | 'deadline' | null;
  /** The attempt found its local server down (it left the pool): whether another server of the pool is up. */
  serverDown: { anotherUp: boolean } | null;
}

/** The fixed inputs of the policy for one run. */
export interface ChainRules {
  policy: DispatchPolicy;
  /** The route opts in to falling through a content-policy block. */
  allowContentFallthrough: boolean;
  /** 0 ≤ random() < 1, injected so tests know the jitter. */
  random: () => number;
}

/** What the chain does after one failed attempt (a success ends the run). */
export type Decision =
  /** The run's own signal fired: it ends as cancelled, interrupted or timed out, whatever the provider said. */
  | { kind: 'interrupted'; by: 'run' | 'deadline' }
  /** The same provider again after `delayMs`, in `state`. */
  | { kind: 'retry'; delayMs: number; why: string; state: StepState }
  /** The same provider at once, on the next server of its local pool. */
  | { kind: 'next_server' }
  /** Fall through to the next step; `flagKey` marks the key in Settings, `blockFallthrough` is recorded on the run. */
  | { kind: 'next'; flagKey: boolean; blockFallthrough: boolean }
  | { kind: 'stop' };

/** The chain's rule per error class (see ARCHITECTURE.md, "Error classes of the dispatcher"). Pure. */
export function decide(state: StepState, report: AttemptReport, rules: ChainRules): Decision {
  const { outcome } = report;
  if (report.interrupted !== null) return { kind: 'interrupted', by: report.interrupted };
  // A pool's health is per server: one dead GPU box sends the request to the next, not down the chain.
  if (report.serverDown !== null) {
    return report.serverDown.anotherUp ? { kind: 'next_server' } : fallThrough(false);
  }
  const { policy } = rules;
  switch (outcome) {
    case 'rate_limited':
      if (
        !state.rateLimitRetried &&
        report.retryAfterMs !== null &&
        report.retryAfterMs <= policy.rateLimitWaitCapMs
      ) {
        return {
          kind: 'retry',
          delayMs: report.retryAfterMs,
          why: `waiting ${report.retryAfterMs} ms as asked`,
          state: { ...state, rateLimitRetried: true },
        };
      }
      return fallThrough(false);
    case 'unavailable':
    case 'timeout':
      if (state.retries < policy.retryLimit) {
        return {
          kind: 'retry',
          delayMs: backoffDelay(state.retries, policy, rules.random),
          why: `retry ${state.retries + 1} of ${policy.retryLimit}`,
          state: { ...state, retries: state.retries + 1 },
        };
      }
      return fallThrough(false);
    case 'quota_exhausted':
    case 'auth_failed':
      return fallThrough(true);
    case 'content_blocked':
      return rules.allowContentFallthrough
        ? { kind: 'next', flagKey: false, blockFallthrough: true }
        : { kind: 'stop' };
    case 'no_image':
      return fallThrough(false);
    case 'invalid_request':
    case 'cancelled':
      return { kind: 'stop' };
  }
}

function fallThrough(flagKey: boolean): Decision {
  return { kind: 'next', flagKey, blockFallthrough: false };
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
