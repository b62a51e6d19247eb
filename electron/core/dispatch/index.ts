export { type BudgetBook, createBudgetBook } from './budgets';
export { cacheKey, canonicalJson } from './cache';
export type { LocalPool, NewLocalServer } from './local-pool';
export { describeOutcome } from './messages';
export { DEFAULT_POLICY, type DispatchPolicy } from './policy';
export { loadRoutes, parseRoutes, type RouteBook, RoutesError, type ShippedRoutes } from './routes';
export {
  createDispatcher,
  type Dispatcher,
  type DispatcherDeps,
  type ProviderDesk,
  type RunQueue,
} from './service';
