import { describe, expect, it } from 'vitest';
import type { ProviderErrorClass } from '../../../shared/domain';
import {
  type AttemptReport,
  type ChainRules,
  DEFAULT_POLICY,
  decide,
  FIRST_ATTEMPT,
  type StepState,
} from './policy';

// The chain's policy without HTTP, slots or a store: one failed attempt in, what the chain does next out.
const rules: ChainRules = { policy: DEFAULT_POLICY, allowContentFallthrough: false, random: () => 0.5 };
const failed = (outcome: ProviderErrorClass, more: Partial<AttemptReport> = {}): AttemptReport => ({
  outcome,
  retryAfterMs: null,
  interrupted: null,
  serverDown: null,
  ...more,
});

describe('decide', () => {
  it('waits out one 429 whose Retry-After is within the cap, then falls through', () => {
    const first = decide(FIRST_ATTEMPT, failed('rate_limited', { retryAfterMs: 2000 }), rules);
    expect(first).toEqual({
      kind: 'retry',
      delayMs: 2000,
      why: 'waiting 2000 ms as asked',
      state: { retries: 0, rateLimitRetried: true },
    });
    if (first.kind !== 'retry') throw new Error('expected a retry');
    expect(decide(first.state, failed('rate_limited', { retryAfterMs: 10 }), rules)).toEqual({
      kind: 'next',
      flagKey: false,
      blockFallthrough: false,
    });
    expect(decide(FIRST_ATTEMPT, failed('rate_limited', { retryAfterMs: 20_000 }), rules).kind).toBe('retry');
    expect(decide(FIRST_ATTEMPT, failed('rate_limited', { retryAfterMs: 20_001 }), rules).kind).toBe('next');
    expect(decide(FIRST_ATTEMPT, failed('rate_limited'), rules).kind).toBe('next');
  });

  it('retries outages with jittered backoff up to the retry limit, counting in the state', () => {
    let state: StepState = FIRST_ATTEMPT;
    const delays: number[] = [];
    for (const outcome of ['unavailable', 'timeout'] as const) {
      const decision = decide(state, failed(outcome), rules);
      if (decision.kind !== 'retry') throw new Error(`expected a retry, got ${decision.kind}`);
      delays.push(decision.delayMs);
      state = decision.state;
    }
    expect(delays).toEqual([375, 750]);
    expect(state).toEqual({ retries: 2, rateLimitRetried: false });
    expect(decide(state, failed('unavailable'), rules)).toEqual({
      kind: 'next',
      flagKey: false,
      blockFallthrough: false,
    });
    // A spent 429 wait does not spend the outage retries, nor the other way round.
    const afterWait = { retries: 0, rateLimitRetried: true };
    expect(decide(afterWait, failed('timeout'), rules)).toMatchObject({
      kind: 'retry',
      state: { retries: 1 },
    });
  });

  it('flags the key on quota and auth failures and falls through', () => {
    for (const outcome of ['quota_exhausted', 'auth_failed'] as const) {
      expect(decide(FIRST_ATTEMPT, failed(outcome), rules)).toEqual({
        kind: 'next',
        flagKey: true,
        blockFallthrough: false,
      });
    }
    expect(decide(FIRST_ATTEMPT, failed('no_image'), rules)).toEqual({
      kind: 'next',
      flagKey: false,
      blockFallthrough: false,
    });
  });

  it('stops on a content block unless the route opts in, and says so when it falls through', () => {
    expect(decide(FIRST_ATTEMPT, failed('content_blocked'), rules)).toEqual({ kind: 'stop' });
    expect(
      decide(FIRST_ATTEMPT, failed('content_blocked'), { ...rules, allowContentFallthrough: true }),
    ).toEqual({ kind: 'next', flagKey: false, blockFallthrough: true });
    expect(decide(FIRST_ATTEMPT, failed('invalid_request'), rules)).toEqual({ kind: 'stop' });
    expect(decide(FIRST_ATTEMPT, failed('cancelled'), rules)).toEqual({ kind: 'stop' });
  });

  it('ends the run when its own signal fired, whatever the provider answered', () => {
    expect(decide(FIRST_ATTEMPT, failed('unavailable', { interrupted: 'run' }), rules)).toEqual({
      kind: 'interrupted',
      by: 'run',
    });
    expect(
      decide(FIRST_ATTEMPT, failed('rate_limited', { retryAfterMs: 5, interrupted: 'deadline' }), rules),
    ).toEqual({ kind: 'interrupted', by: 'deadline' });
  });

  it('moves to the next server of a local pool at once, and down the chain when none is up', () => {
    expect(decide(FIRST_ATTEMPT, failed('unavailable', { serverDown: { anotherUp: true } }), rules)).toEqual({
      kind: 'next_server',
    });
    // A dead server spends no retry: the next one gets the full backoff budget.
    const spent = { retries: DEFAULT_POLICY.retryLimit, rateLimitRetried: true };
    expect(decide(spent, failed('timeout', { serverDown: { anotherUp: true } }), rules).kind).toBe(
      'next_server',
    );
    expect(decide(FIRST_ATTEMPT, failed('timeout', { serverDown: { anotherUp: false } }), rules)).toEqual({
      kind: 'next',
      flagKey: false,
      blockFallthrough: false,
    });
  });
});
