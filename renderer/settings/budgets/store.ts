// Settings → Budgets: the spending limits as saved, and the outcome of the last save.

import { create } from 'zustand';
import type { Budgets } from '../../../shared/domain';
import type { AppErrorShape } from '../../../shared/result';
import { api } from '../../api';

interface BudgetsState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  budgets: Budgets | null;
  error: AppErrorShape | null;
  saving: boolean;
  message: { kind: 'saved'; at: number } | { kind: 'error'; error: AppErrorShape } | null;
  load(): Promise<void>;
  save(budgets: Budgets): Promise<boolean>;
}

export const useBudgetsStore = create<BudgetsState>()((set, get) => ({
  status: 'idle',
  budgets: null,
  error: null,
  saving: false,
  message: null,

  async load() {
    if (get().status !== 'ready') set({ status: 'loading' });
    const result = await api.call('budgets.get', {});
    if (!result.ok) {
      set((state) => ({ status: state.budgets ? 'ready' : 'error', error: result.error }));
      return;
    }
    set({ status: 'ready', error: null, budgets: result.value });
  },

  async save(budgets) {
    set({ saving: true, message: null });
    const result = await api.call('budgets.set', budgets);
    if (!result.ok) {
      set({ saving: false, message: { kind: 'error', error: result.error } });
      return false;
    }
    set({ saving: false, budgets: result.value, message: { kind: 'saved', at: Date.now() } });
    return true;
  },
}));
