import { routeFor, useRoutesStore } from '../app/routes';
import { useEstimateStore } from './estimate';
import { useGenerateStore } from './store';

export interface Target {
  provider: string;
  model?: string;
}

/**
 * The provider (and model) the next request goes to first: the pinned one, else the first step of
 * the route that can run now (from the estimate), else the route's first step.
 */
export function useTarget(): Target | null {
  const provider = useGenerateStore((s) => s.form.provider);
  const model = useGenerateStore((s) => s.form.model);
  const taskType = useGenerateStore((s) => s.form.taskType);
  const estimate = useEstimateStore((s) => s.estimate);
  const routes = useRoutesStore((s) => s.routes);
  if (provider) return { provider, ...(model ? { model } : {}) };
  const first = estimate?.steps.find((step) => step.eligible) ?? estimate?.steps[0];
  if (first) return { provider: first.provider, model: first.model };
  const step = routeFor(routes, taskType)?.chain[0];
  return step ? { provider: step.provider, ...(step.model ? { model: step.model } : {}) } : null;
}
