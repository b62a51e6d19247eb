import type { LibraryDatabase } from './db';

/** A request that really went out to a provider (not skipped, not served from the cache). */
export interface SentAttempt {
  provider: string;
  startedAt: number;
}

/** Spend and request counts read from recorded attempts, the one source of truth for budgets and allowances. */
export interface UsageRepo {
  /** USD spent on attempts started at or after `since`, for one provider or (null) all of them. */
  spendSince(provider: string | null, since: number): number;
  /** Every request sent at or after `since`, oldest first: seeds the rate limiter after a restart. */
  sentSince(since: number): SentAttempt[];
}

export function createUsageRepo(db: LibraryDatabase): UsageRepo {
  // Both read the (provider, started_at) / (started_at) indexes of migration 2; no table scan.
  const spendAll = db
    .prepare<[number], number>('SELECT coalesce(sum(cost_usd), 0) FROM attempts WHERE started_at >= ?')
    .pluck();
  const spendOne = db
    .prepare<[string, number], number>(
      'SELECT coalesce(sum(cost_usd), 0) FROM attempts WHERE provider = ? AND started_at >= ?',
    )
    .pluck();
  const sent = db.prepare<[number], { provider: string; started_at: number }>(
    `SELECT provider, started_at FROM attempts
     WHERE started_at >= ? AND outcome <> 'skipped' AND cached = 0 ORDER BY started_at`,
  );
  return {
    spendSince(provider, since) {
      return (provider === null ? spendAll.get(since) : spendOne.get(provider, since)) ?? 0;
    },
    sentSince(since) {
      return sent.all(since).map((row) => ({ provider: row.provider, startedAt: row.started_at }));
    },
  };
}
