import type { ProviderLimits } from '../../../shared/domain';
import type { Clock } from '../ports';
import type { SentAttempt } from '../store';

export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * 60_000;

export type AllowanceCheck = { ok: true } | { ok: false; reason: string };

/**
 * A local rate limiter per provider: sliding one-minute and 24-hour windows of requests sent,
 * so a spent free tier is skipped without sending anything. Seeded from recorded attempts at start.
 */
export interface Allowances {
  seed(sent: readonly SentAttempt[]): void;
  check(provider: string, providerName: string, limits: ProviderLimits): AllowanceCheck;
  /** Counts one request as sent now. */
  take(provider: string): void;
  usage(provider: string): { lastMinute: number; today: number };
}

export function createAllowances(clock: Clock): Allowances {
  // Ascending send times within the last 24 h, per provider.
  const sent = new Map<string, number[]>();

  function windowOf(provider: string): number[] {
    let times = sent.get(provider);
    if (!times) {
      times = [];
      sent.set(provider, times);
    }
    const cutoff = clock.now() - DAY_MS;
    let drop = 0;
    while (drop < times.length && times[drop]! <= cutoff) drop += 1;
    if (drop > 0) times.splice(0, drop);
    return times;
  }

  function countSince(times: number[], since: number): number {
    // Binary search: the first time after `since`.
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid]! > since) hi = mid;
      else lo = mid + 1;
    }
    return times.length - lo;
  }

  return {
    seed(attempts) {
      for (const attempt of attempts) windowOf(attempt.provider).push(attempt.startedAt);
      for (const times of sent.values()) times.sort((a, b) => a - b);
    },

    check(provider, providerName, limits) {
      if (limits.perMinute === null && limits.perDay === null) return { ok: true };
      const times = windowOf(provider);
      const now = clock.now();
      if (limits.perDay !== null && times.length >= limits.perDay) {
        const freeAt = times[times.length - limits.perDay]! + DAY_MS;
        const hours = Math.max(1, Math.ceil((freeAt - now) / 3_600_000));
        return {
          ok: false,
          reason: `${providerName}'s allowance of ${limits.perDay} requests per day is spent; the next frees up in about ${hours} h`,
        };
      }
      if (limits.perMinute !== null) {
        const lastMinute = countSince(times, now - MINUTE_MS);
        if (lastMinute >= limits.perMinute) {
          const freeAt = times[times.length - limits.perMinute]! + MINUTE_MS;
          const seconds = Math.max(1, Math.ceil((freeAt - now) / 1000));
          return {
            ok: false,
            reason: `${providerName}'s allowance of ${limits.perMinute} requests per minute is spent; the next frees up in ${seconds} s`,
          };
        }
      }
      return { ok: true };
    },

    take(provider) {
      const times = windowOf(provider);
      const now = clock.now();
      // Keeps the window sorted even if a fake clock moves backwards.
      if (times.length > 0 && times[times.length - 1]! > now) {
        times.push(now);
        times.sort((a, b) => a - b);
      } else times.push(now);
    },

    usage(provider) {
      const times = windowOf(provider);
      return { lastMinute: countSince(times, clock.now() - MINUTE_MS), today: times.length };
    },
  };
}
