import { z } from 'zod';
import {
  AttemptOutcome,
  Budgets,
  ChainStep,
  ProviderId,
  ProviderLimits,
  TaskType,
} from '../../../shared/domain';
import type { SettingsRepo } from './settings-repo';

/** A user's own chain for a task type, replacing the shipped one until reset. */
export const RouteOverride = z.object({
  chain: z.array(ChainStep).min(1),
  allowContentFallthrough: z.boolean(),
});
export type RouteOverride = z.infer<typeof RouteOverride>;

/** A provider's key marked as refused (auth) or out of quota, until the key changes or a call succeeds. */
export const KeyFlag = z.object({
  outcome: AttemptOutcome,
  message: z.string(),
  at: z.number(),
  /** `updatedAt` of the key that was flagged: a replaced key is not flagged any more. */
  keyUpdatedAt: z.number().nullable(),
});
export type KeyFlag = z.infer<typeof KeyFlag>;

const RouteOverrides = z.partialRecord(TaskType, RouteOverride);
const LimitOverrides = z.record(ProviderId, ProviderLimits);
const KeyFlags = z.record(ProviderId, KeyFlag);

const KEYS = {
  routes: 'dispatch.routes',
  budgets: 'dispatch.budgets',
  limits: 'dispatch.limits',
  keyFlags: 'dispatch.keyFlags',
} as const;

export const NO_BUDGETS: Budgets = { overall: { dailyUsd: null, monthlyUsd: null }, providers: {} };

/** The dispatcher's settings, typed, on top of the generic settings table. */
export interface DispatchSettings {
  routeOverrides(): Partial<Record<TaskType, RouteOverride>>;
  setRouteOverride(taskType: TaskType, route: RouteOverride | null, now: number): void;
  budgets(): Budgets;
  setBudgets(budgets: Budgets, now: number): void;
  limitOverrides(): Record<string, ProviderLimits>;
  setLimitOverride(provider: string, limits: ProviderLimits, now: number): void;
  keyFlags(): Record<string, KeyFlag>;
  setKeyFlag(provider: string, flag: KeyFlag | null, now: number): void;
}

export function createDispatchSettings(settings: SettingsRepo): DispatchSettings {
  return {
    routeOverrides: () => settings.get(KEYS.routes, RouteOverrides, {}),
    setRouteOverride(taskType, route, now) {
      settings.update(
        KEYS.routes,
        RouteOverrides,
        {},
        (current) => {
          const next = { ...current };
          if (route === null) delete next[taskType];
          else next[taskType] = route;
          return next;
        },
        now,
      );
    },
    budgets: () => settings.get(KEYS.budgets, Budgets, NO_BUDGETS),
    setBudgets: (budgets, now) => settings.set(KEYS.budgets, budgets, now),
    limitOverrides: () => settings.get(KEYS.limits, LimitOverrides, {}),
    setLimitOverride(provider, limits, now) {
      settings.update(
        KEYS.limits,
        LimitOverrides,
        {},
        (current) => ({ ...current, [provider]: limits }),
        now,
      );
    },
    keyFlags: () => settings.get(KEYS.keyFlags, KeyFlags, {}),
    // Key flags are only what the last calls answered, raised again by the next refused call: a stored value
    // that is refused (logged by `get`) is replaced rather than stop the run that raises a flag.
    setKeyFlag(provider, flag, now) {
      const next = { ...settings.get(KEYS.keyFlags, KeyFlags, {}) };
      if (flag === null) delete next[provider];
      else next[provider] = flag;
      settings.set(KEYS.keyFlags, next, now);
    },
  };
}
