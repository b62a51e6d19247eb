import { type BudgetLimits, Budgets } from '../../../shared/domain';
import type { Clock } from '../ports';
import type { DispatchSettings, UsageRepo } from '../store';

export interface Spend {
  todayUsd: number;
  monthUsd: number;
  /** Part of it is credits converted at the catalog's price per credit, or catalog estimates. */
  approx: boolean;
}

export type BudgetCheck = { ok: true } | { ok: false; scope: 'provider' | 'overall'; reason: string };

/** Daily and monthly budgets, overall and per provider; spend is the sum of recorded attempt costs. */
export interface BudgetBook {
  get(): Budgets;
  set(budgets: Budgets): Budgets;
  limitsFor(provider: string): BudgetLimits;
  /** Spend in the current local day and month (recorded attempts plus requests in flight); null = all providers. */
  spend(provider: string | null): Spend;
  /** Whether spending `usd` more on `provider` keeps both its own and the overall budget. */
  check(provider: string, providerName: string, usd: number | null): BudgetCheck;
  /** Whether spending `usd` more keeps the overall budget. */
  checkOverall(usd: number | null): BudgetCheck;
  /** Counts an estimate against the budgets while its request is out; returns the release. */
  reserve(provider: string, usd: number | null): () => void;
}

const UNLIMITED: BudgetLimits = { dailyUsd: null, monthlyUsd: null };

export function createBudgetBook(deps: {
  settings: DispatchSettings;
  usage: UsageRepo;
  clock: Clock;
}): BudgetBook {
  const { settings, usage, clock } = deps;
  let budgets = settings.budgets();
  const reserved = new Map<string, number>();
  let reservedAll = 0;

  function periodStarts(): { day: number; month: number } {
    // Budgets follow the designer's calendar: local midnight and the first of the local month.
    const now = new Date(clock.now());
    return {
      day: new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime(),
      month: new Date(now.getFullYear(), now.getMonth(), 1).getTime(),
    };
  }

  function spend(provider: string | null): Spend {
    const { day, month } = periodStarts();
    const inFlight = provider === null ? reservedAll : (reserved.get(provider) ?? 0);
    return {
      todayUsd: usage.spendSince(provider, day) + inFlight,
      monthUsd: usage.spendSince(provider, month) + inFlight,
      // Requests in flight count at their estimates.
      approx: inFlight > 0 || usage.approxSince(provider, month),
    };
  }

  /**
   * A request of unknown cost (`usd` null) still may not start once the budget is spent: it would cost
   * something, and "nothing" is the one amount it surely is not.
   */
  function exceeds(spent: number, usd: number | null, limit: number): boolean {
    if (usd === null) return spent >= limit - 1e-9;
    return spent + usd > limit + 1e-9;
  }

  function checkLimits(
    limits: BudgetLimits,
    provider: string | null,
    usd: number | null,
    who: string,
  ): string | null {
    if (limits.dailyUsd === null && limits.monthlyUsd === null) return null; // No query when nothing is set.
    const spent = spend(provider);
    const approx = spent.approx ? '≈ ' : '';
    const needs = usd === null ? 'the cost of this one is unknown' : `this needs about ${usd$(usd)}`;
    if (limits.dailyUsd !== null && exceeds(spent.todayUsd, usd, limits.dailyUsd)) {
      return `${who} daily budget of ${usd$(limits.dailyUsd)} would be exceeded (spent ${approx}${usd$(spent.todayUsd)} today, ${needs})`;
    }
    if (limits.monthlyUsd !== null && exceeds(spent.monthUsd, usd, limits.monthlyUsd)) {
      return `${who} monthly budget of ${usd$(limits.monthlyUsd)} would be exceeded (spent ${approx}${usd$(spent.monthUsd)} this month, ${needs})`;
    }
    return null;
  }

  function checkOverall(usd: number | null): BudgetCheck {
    const reason = checkLimits(budgets.overall, null, usd, 'The overall');
    return reason === null ? { ok: true } : { ok: false, scope: 'overall', reason };
  }

  return {
    get: () => budgets,
    set(next) {
      budgets = Budgets.parse(next);
      settings.setBudgets(budgets, clock.now());
      return budgets;
    },
    limitsFor: (provider) => budgets.providers[provider] ?? UNLIMITED,
    spend,
    check(provider, providerName, usd) {
      const own = budgets.providers[provider];
      if (own) {
        const reason = checkLimits(own, provider, usd, `${providerName}'s`);
        if (reason !== null) return { ok: false, scope: 'provider', reason };
      }
      return checkOverall(usd);
    },
    checkOverall,
    reserve(provider, usd) {
      if (usd === null || usd <= 0) return () => {};
      reserved.set(provider, (reserved.get(provider) ?? 0) + usd);
      reservedAll += usd;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        reserved.set(provider, (reserved.get(provider) ?? 0) - usd);
        reservedAll -= usd;
      };
    },
  };
}

function usd$(value: number): string {
  return `$${value.toFixed(value < 1 ? 3 : 2)}`;
}
