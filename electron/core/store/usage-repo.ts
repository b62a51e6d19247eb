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
  /** Whether any of that spend is converted from credits or estimated (shown as "≈ $"). */
  approxSince(provider: string | null, since: number): boolean;
  /** Every request sent at or after `since`, oldest first: seeds the rate limiter after a restart. */
  sentSince(since: number): SentAttempt[];
  /**
   * Gives dollars to credits recorded without them (before credits counted against budgets), at the
   * catalog's price per credit; returns how many attempts changed. Runs follow their attempts.
   */
  convertUnpricedCredits(provider: string, usdPerCredit: number): number;
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
  const approxAll = db
    .prepare<[number], number>(
      `SELECT EXISTS (SELECT 1 FROM attempts
         WHERE started_at >= ? AND cost_basis IN ('credits', 'estimate'))`,
    )
    .pluck();
  const approxOne = db
    .prepare<[string, number], number>(
      `SELECT EXISTS (SELECT 1 FROM attempts
         WHERE provider = ? AND started_at >= ? AND cost_basis IN ('credits', 'estimate'))`,
    )
    .pluck();
  const convertAttempts = db.prepare<{ provider: string; rate: number }>(
    `UPDATE attempts SET cost_usd = round(cost_credits * @rate, 6), cost_basis = 'credits'
     WHERE provider = @provider AND cost_usd IS NULL AND cost_credits IS NOT NULL AND outcome = 'ok'`,
  );
  const convertRuns = db.prepare<{ provider: string; rate: number }>(
    `UPDATE runs SET cost_usd = round(cost_credits * @rate, 6), cost_basis = 'credits'
     WHERE provider = @provider AND status = 'succeeded' AND cost_credits IS NOT NULL AND cost_usd IS NULL`,
  );
  const convert = db.transaction((provider: string, rate: number) => {
    const changed = convertAttempts.run({ provider, rate }).changes;
    if (changed > 0) convertRuns.run({ provider, rate });
    return changed;
  });
  const sent = db.prepare<[number], { provider: string; started_at: number }>(
    `SELECT provider, started_at FROM attempts
     WHERE started_at >= ? AND outcome <> 'skipped' AND cached = 0 ORDER BY started_at`,
  );
  return {
    spendSince(provider, since) {
      return (provider === null ? spendAll.get(since) : spendOne.get(provider, since)) ?? 0;
    },
    approxSince(provider, since) {
      return (provider === null ? approxAll.get(since) : approxOne.get(provider, since)) === 1;
    },
    convertUnpricedCredits(provider, usdPerCredit) {
      return convert(provider, usdPerCredit);
    },
    sentSince(since) {
      return sent.all(since).map((row) => ({ provider: row.provider, startedAt: row.started_at }));
    },
  };
}
