import type { AttemptOutcome } from '../../../shared/domain';
import type { Clock } from '../ports';
import { type DispatchPolicy, isOutage } from './policy';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerStatus {
  state: BreakerState;
  openUntil: number | null;
  recentFailures: number;
}

export type Admission = { ok: true; probe: boolean } | { ok: false; reason: string };

/** One circuit breaker per provider: consecutive outages open it, a cooldown passes, one probe decides. */
export interface Breakers {
  /** Whether a request may go out now; in half-open state the first caller becomes the probe. */
  admit(provider: string, providerName: string): Admission;
  /** Like admit, without taking the probe (for estimates and status). */
  wouldAdmit(provider: string): boolean;
  record(provider: string, outcome: AttemptOutcome, probe: boolean): void;
  /** A probe that never got an answer (skipped later, cancelled) hands the probe back. */
  releaseProbe(provider: string): void;
  status(provider: string): BreakerStatus;
  reset(provider: string): void;
}

interface Circuit {
  /** Times of the consecutive outages still inside the window. */
  failures: number[];
  openUntil: number | null;
  probeOut: boolean;
}

export function createBreakers(deps: {
  clock: Clock;
  policy: DispatchPolicy;
  /** Called when a breaker opens, closes or is reset, so the provider panel refreshes. */
  onChange(provider: string): void;
}): Breakers {
  const { clock, policy } = deps;
  const circuits = new Map<string, Circuit>();

  function circuit(provider: string): Circuit {
    let found = circuits.get(provider);
    if (!found) {
      found = { failures: [], openUntil: null, probeOut: false };
      circuits.set(provider, found);
    }
    return found;
  }

  function stateOf(c: Circuit, now: number): BreakerState {
    if (c.openUntil === null) return 'closed';
    return now < c.openUntil ? 'open' : 'half_open';
  }

  function recent(c: Circuit, now: number): number[] {
    c.failures = c.failures.filter((at) => now - at < policy.breakerWindowMs);
    return c.failures;
  }

  return {
    admit(provider, providerName) {
      const c = circuit(provider);
      const now = clock.now();
      const state = stateOf(c, now);
      if (state === 'closed') return { ok: true, probe: false };
      if (state === 'open') {
        const seconds = Math.ceil(((c.openUntil ?? now) - now) / 1000);
        return {
          ok: false,
          reason: `${providerName} failed ${policy.breakerThreshold} times in a row; its circuit breaker is open for another ${seconds} s`,
        };
      }
      if (c.probeOut) {
        return { ok: false, reason: `another request is checking whether ${providerName} has recovered` };
      }
      c.probeOut = true;
      return { ok: true, probe: true };
    },

    wouldAdmit(provider) {
      const c = circuit(provider);
      const state = stateOf(c, clock.now());
      return state === 'closed' || (state === 'half_open' && !c.probeOut);
    },

    record(provider, outcome, probe) {
      const c = circuit(provider);
      const now = clock.now();
      if (probe) c.probeOut = false;
      if (outcome === 'cancelled' || outcome === 'skipped') return;
      const before = stateOf(c, now);
      if (isOutage(outcome)) {
        if (before === 'half_open') {
          c.openUntil = now + policy.breakerCooldownMs;
          c.failures = [];
        } else if (before === 'closed') {
          const failures = recent(c, now);
          failures.push(now);
          if (failures.length >= policy.breakerThreshold) {
            c.openUntil = now + policy.breakerCooldownMs;
            c.failures = [];
          }
        }
      } else {
        // Any real answer, even a refusal, shows the provider is up.
        c.failures = [];
        c.openUntil = null;
      }
      if (stateOf(c, now) !== before || before === 'half_open') deps.onChange(provider);
    },

    releaseProbe(provider) {
      circuit(provider).probeOut = false;
    },

    status(provider) {
      const c = circuit(provider);
      const now = clock.now();
      const state = stateOf(c, now);
      return {
        state,
        openUntil: state === 'closed' ? null : c.openUntil,
        recentFailures: recent(c, now).length,
      };
    },

    reset(provider) {
      circuits.delete(provider);
      deps.onChange(provider);
    },
  };
}
