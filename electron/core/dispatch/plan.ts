import type { ChainStep, GenerationRequest, RunRoute } from '../../../shared/domain';
import { fieldError } from '../../../shared/result';
import {
  type Catalog,
  type CatalogModel,
  type CatalogProvider,
  resolveModel,
  seedOutOfRange,
} from '../providers/catalog';
import type { ProviderAdapter } from '../providers/types';
import type { CachedRun } from '../store';
import { cacheKey } from './cache';
import { type DispatchContext, gateStep } from './context';
import { estimateStep, type StepEstimate } from './estimate';
import { isLocalKind } from './local-pool';
import type { SkipCode } from './messages';
import type { RouteBook } from './routes';

export type StepResolution =
  | { ok: true; provider: CatalogProvider; model: CatalogModel; adapter: ProviderAdapter }
  | { ok: false; code: SkipCode; reason: string; providerName: string; model: string };

/**
 * The chain a request walks. A pinned provider means that provider alone (its model, or its default):
 * never the route around it, since a designer who pins wants exactly that model or nothing.
 */
export function routeFor(
  request: GenerationRequest,
  routes: Pick<RouteBook, 'get'>,
  catalog: Catalog,
): RunRoute {
  if (request.provider === undefined) {
    if (request.model !== undefined) {
      throw fieldError(['model'], 'name the provider too when you pin a model.');
    }
    const route = routes.get(request.taskType);
    return {
      taskType: route.taskType,
      label: route.label,
      chain: route.chain,
      allowContentFallthrough: route.allowContentFallthrough,
      pinned: false,
    };
  }
  const { provider, model } = resolveModel(catalog, request.provider, request.model);
  return {
    taskType: request.taskType,
    label: `${provider.name} only (pinned)`,
    chain: [{ provider: provider.id, model: model.id }],
    allowContentFallthrough: false,
    pinned: true,
  };
}

/** The catalog entry and adapter for one step, or why the step cannot be tried at all. */
export function resolveStep(
  step: ChainStep,
  catalog: Catalog,
  adapters: Record<string, ProviderAdapter>,
): StepResolution {
  const provider = catalog.providers.find((p) => p.id === step.provider);
  if (!provider) {
    return {
      ok: false,
      code: 'unknown_provider',
      reason: `there is no provider "${step.provider}" in this version's catalog`,
      providerName: step.provider,
      model: step.model ?? '',
    };
  }
  const wanted = step.model ?? provider.defaultModel;
  const model = provider.models.find((m) => m.id === wanted);
  if (!model) {
    return {
      ok: false,
      code: 'unknown_model',
      reason: `${provider.name} has no model "${wanted}"`,
      providerName: provider.name,
      model: wanted,
    };
  }
  if (model.status === 'retired') {
    const successor = model.successor ? ` (use ${model.successor} instead)` : '';
    return {
      ok: false,
      code: 'retired_model',
      reason: `${model.name} was retired by ${provider.name}${model.retiredOn ? ` on ${model.retiredOn}` : ''}${successor}`,
      providerName: provider.name,
      model: model.id,
    };
  }
  const adapter = Object.hasOwn(adapters, provider.id) ? adapters[provider.id] : undefined;
  if (!adapter) {
    return {
      ok: false,
      code: 'not_implemented',
      reason: `${provider.name} is not available in this version of Atelier yet`,
      providerName: provider.name,
      model: model.id,
    };
  }
  return { ok: true, provider, model, adapter };
}

/** One step of a request's chain, worked out once: what the estimate shows, the start checks and the runner walks. */
export type PlannedStep = ReadyStep | UnusableStep;

/** A step that can be tried: its catalog entries, adapter and price for this request. */
export interface ReadyStep {
  ok: true;
  step: ChainStep;
  provider: CatalogProvider;
  model: CatalogModel;
  adapter: ProviderAdapter;
  estimate: StepEstimate;
  /** Why the request's explicit seed cannot go to this provider (never wrapped into another number). */
  seedRefusal: string | null;
  /** The identical-request cache key; null without an explicit seed (a random seed is never a repeat). */
  cacheKey: string | null;
}

/** A step no request can take (unknown, retired, not implemented): it is recorded as skipped. */
export interface UnusableStep {
  ok: false;
  step: ChainStep;
  code: SkipCode;
  reason: string;
  providerName: string;
  model: string;
}

/** What planning reads: the catalog and the adapters (and the routes, for a request's chain). */
type Planner = Pick<DispatchContext, 'catalog' | 'adapters'>;

export function planStep(ctx: Planner, request: GenerationRequest, step: ChainStep): PlannedStep {
  const resolved = resolveStep(step, ctx.catalog, ctx.adapters);
  if (!resolved.ok) return { ...resolved, step };
  const { provider, model } = resolved;
  return {
    ...resolved,
    step,
    estimate: estimateStep(request, provider, model),
    seedRefusal: request.seed === null ? null : seedOutOfRange(provider, model, request.seed),
    cacheKey: request.seed === null ? null : cacheKey(request, provider.id, model.id),
  };
}

export interface RoutePlan {
  route: RunRoute;
  steps: PlannedStep[];
}

/** The request's chain, each step planned; `route` is the one a queued run recorded, else the request's now. */
export function planRoute(
  ctx: Planner & { routes: Pick<RouteBook, 'get'> },
  request: GenerationRequest,
  route?: RunRoute,
): RoutePlan {
  const chosen = route ?? routeFor(request, ctx.routes, ctx.catalog);
  return { route: chosen, steps: chosen.chain.map((step) => planStep(ctx, request, step)) };
}

/** The first step whose identical request (explicit seed, cache not bypassed) already has stored images. */
export function findCached(
  ctx: { runs: Pick<DispatchContext['runs'], 'findCached'> },
  request: GenerationRequest,
  steps: readonly PlannedStep[],
): { step: ReadyStep; hit: CachedRun } | null {
  if (request.seed === null || request.fresh) return null;
  for (const step of steps) {
    if (!step.ok || step.cacheKey === null) continue;
    const hit = ctx.runs.findCached(step.cacheKey);
    if (hit) return { step, hit };
  }
  return null;
}

/** Whether a planned step could run now, asked without changing anything (no probe taken, nothing reserved). */
export interface StepReadiness {
  /** Null when the step would be tried now. */
  reason: string | null;
  /** Why not, as a kind (both sides decide from it, never from `reason`); null when it would be tried. */
  skip: SkipCode | null;
  /** False when no budget or wait can make it run: a refused seed, no key, no local server. */
  runnable: boolean;
  overBudget: boolean;
}

export function readiness(ctx: DispatchContext, planned: PlannedStep): StepReadiness {
  if (!planned.ok) return { reason: planned.reason, skip: planned.code, runnable: false, overBudget: false };
  const { provider, estimate } = planned;
  if (planned.seedRefusal !== null)
    return { reason: planned.seedRefusal, skip: 'seed_out_of_range', runnable: false, overBudget: false };
  if (provider.auth === 'key' && ctx.keys.info(provider.id) === null) {
    return { reason: 'no API key', skip: 'no_key', runnable: false, overBudget: false };
  }
  if (provider.kind === 'local' && isLocalKind(provider.id) && !ctx.pool.hasEnabled(provider.id)) {
    return {
      reason: ctx.pool.unavailableReason(provider.id),
      skip: 'no_server',
      runnable: false,
      overBudget: false,
    };
  }
  const gate = gateStep(ctx, provider, estimate.usd, false);
  return gate.ok
    ? { reason: null, skip: null, runnable: true, overBudget: false }
    : { reason: gate.reason, skip: gate.code, runnable: true, overBudget: gate.code === 'budget' };
}
