import type { ChainStep, GenerationRequest, RunRoute } from '../../../shared/domain';
import { AppError } from '../../../shared/result';
import { type Catalog, type CatalogModel, type CatalogProvider, resolveModel } from '../providers/catalog';
import type { ProviderAdapter } from '../providers/types';
import type { SkipCode } from './messages';
import type { RouteBook } from './routes';

export type StepResolution =
  | { ok: true; provider: CatalogProvider; model: CatalogModel; adapter: ProviderAdapter }
  | { ok: false; code: SkipCode; reason: string; providerName: string; model: string };

/**
 * The chain a request walks. A pinned provider means that provider alone (its model, or its default):
 * never the route around it, since a designer who pins wants exactly that model or nothing.
 */
export function routeFor(request: GenerationRequest, routes: RouteBook, catalog: Catalog): RunRoute {
  if (request.provider === undefined) {
    if (request.model !== undefined) {
      throw new AppError('invalid_input', 'model: name the provider too when you pin a model.');
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
