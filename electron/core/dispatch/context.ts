import type { ProviderLimits } from '../../../shared/domain';
import type { EventBus } from '../events';
import type { MediaStore } from '../media';
import type { Clock, FetchLike, Logger } from '../ports';
import { type Catalog, type CatalogProvider, providerEndpoint, type SeedRange } from '../providers/catalog';
import type { ProviderAdapter } from '../providers/types';
import type { JobsRepo, RunsRepo } from '../store';
import type { KeyRing } from '../vault/keyring';
import type { Allowances } from './allowance';
import type { Breakers } from './breaker';
import type { BudgetBook } from './budgets';
import type { KeyFlags } from './key-flags';
import { isLocalKind, type LocalPool } from './local-pool';
import type { SkipCode } from './messages';
import type { DispatchPolicy } from './policy';
import type { RouteBook } from './routes';
import type { Slots } from './slots';

/** Everything the chain runner, the estimate and the provider panel share: state lives here once. */
export interface DispatchContext {
  /** Runs `fn` in one database transaction. */
  transaction<T>(fn: () => T): T;
  runs: RunsRepo;
  jobs: JobsRepo;
  media: MediaStore;
  keys: KeyRing;
  catalog: Catalog;
  adapters: Record<string, ProviderAdapter>;
  endpoints: Record<string, string>;
  fetch: FetchLike;
  clock: Clock;
  log: Logger;
  events: EventBus;
  policy: DispatchPolicy;
  breakers: Breakers;
  allowances: Allowances;
  slots: Slots;
  budgets: BudgetBook;
  flags: KeyFlags;
  pool: LocalPool;
  routes: RouteBook;
  /** The catalog's limits with the user's overrides applied. */
  limitsOf(provider: CatalogProvider): ProviderLimits;
  random(): number;
  /** A random seed inside `range` (both ends included): the range of the provider that receives it. */
  randomSeed(range: SeedRange): number;
  providersChanged(provider: string | null): void;
}

export type Gate = { ok: true; probe: boolean } | { ok: false; code: SkipCode; reason: string };

/**
 * Whether a step may send now, in the order that costs least to ask: local servers, budgets, the
 * local allowance, then the breaker (last, because in half-open state admitting takes the one probe).
 * `takeProbe: false` answers without changing anything (estimates).
 */
export function gateStep(
  ctx: DispatchContext,
  provider: CatalogProvider,
  estimateUsd: number | null,
  takeProbe: boolean,
): Gate {
  if (provider.kind === 'local' && isLocalKind(provider.id)) {
    const reason = ctx.pool.unavailableReason(provider.id);
    if (reason !== null) return { ok: false, code: 'no_server', reason };
  }
  const budget = ctx.budgets.check(provider.id, provider.name, estimateUsd);
  if (!budget.ok) return { ok: false, code: 'budget', reason: budget.reason };
  const allowance = ctx.allowances.check(provider.id, provider.name, ctx.limitsOf(provider));
  if (!allowance.ok) return { ok: false, code: 'allowance_spent', reason: allowance.reason };
  if (!takeProbe) {
    return ctx.breakers.wouldAdmit(provider.id)
      ? { ok: true, probe: false }
      : { ok: false, code: 'breaker_open', reason: breakerReason(ctx, provider) };
  }
  const admission = ctx.breakers.admit(provider.id, provider.name);
  return admission.ok
    ? { ok: true, probe: admission.probe }
    : { ok: false, code: 'breaker_open', reason: admission.reason };
}

function breakerReason(ctx: DispatchContext, provider: CatalogProvider): string {
  const status = ctx.breakers.status(provider.id);
  if (status.state === 'open' && status.openUntil !== null) {
    const seconds = Math.ceil((status.openUntil - ctx.clock.now()) / 1000);
    return `${provider.name}'s circuit breaker is open for another ${seconds} s after repeated failures`;
  }
  return `another request is checking whether ${provider.name} has recovered`;
}

/** The base URL for a cloud provider: the launch override, else the catalog's. */
export function endpointOf(ctx: DispatchContext, provider: CatalogProvider): string {
  return providerEndpoint(provider, ctx.endpoints);
}
