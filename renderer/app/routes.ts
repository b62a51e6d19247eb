// The route (provider chain) of each task type: read by Generate ("Auto") and edited in Settings → Routes.

import { create } from 'zustand';
import type { TaskType } from '../../shared/constants';
import type { Route } from '../../shared/domain';
import type { AppErrorShape } from '../../shared/result';
import { api } from '../api';

interface RoutesState {
  /** `error` with no routes: this main process offers none (yet), so Generate pins a provider instead of Auto. */
  status: 'idle' | 'loading' | 'ready' | 'error';
  routes: Route[];
  error: AppErrorShape | null;
  load(): Promise<void>;
  /** Puts a route the main process just returned (after a save or reset) in place. */
  put(route: Route): void;
}

let loadSeq = 0;

export const useRoutesStore = create<RoutesState>()((set, get) => ({
  status: 'idle',
  routes: [],
  error: null,
  async load() {
    const seq = ++loadSeq;
    if (get().status !== 'ready') set({ status: 'loading' });
    const result = await api.call('routes.list', {});
    if (seq !== loadSeq) return;
    if (!result.ok) {
      set({ status: get().routes.length > 0 ? 'ready' : 'error', error: result.error });
      return;
    }
    set({ status: 'ready', error: null, routes: result.value.routes });
  },
  put(route) {
    loadSeq++;
    set((state) => {
      const known = state.routes.some((r) => r.taskType === route.taskType);
      return {
        status: 'ready',
        routes: known
          ? state.routes.map((r) => (r.taskType === route.taskType ? route : r))
          : [...state.routes, route],
      };
    });
  },
}));

export function routeFor(routes: Route[], taskType: TaskType): Route | undefined {
  return routes.find((route) => route.taskType === taskType);
}
