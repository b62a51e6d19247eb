// Live state of each provider (key, breaker, allowance, usage, spend): the provider panel and Budgets read it.

import { create } from 'zustand';
import type { ProviderLimits, ProviderStatus } from '../../../shared/domain';
import type { AppErrorShape } from '../../../shared/result';
import { api } from '../../api';

export type ProviderMessage =
  | { kind: 'saved' }
  | { kind: 'reset' }
  | { kind: 'error'; action: 'limits' | 'reset'; error: AppErrorShape };

interface ProviderStatusState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  statuses: ProviderStatus[];
  error: AppErrorShape | null;
  /** When the last good answer came, for "updated 3 s ago". */
  loadedAt: number | null;
  busy: Record<string, 'limits' | 'reset' | undefined>;
  messages: Record<string, ProviderMessage | undefined>;
  load(): Promise<void>;
  setLimits(provider: string, limits: ProviderLimits): Promise<boolean>;
  resetBreaker(provider: string): Promise<void>;
  clearMessage(provider: string): void;
}

let loadSeq = 0;

export const useProviderStatusStore = create<ProviderStatusState>()((set, get) => {
  const put = (next: ProviderStatus) =>
    set((state) => ({
      statuses: state.statuses.some((s) => s.provider === next.provider)
        ? state.statuses.map((s) => (s.provider === next.provider ? next : s))
        : [...state.statuses, next],
    }));
  const setBusy = (provider: string, busy: 'limits' | 'reset' | undefined) =>
    set((state) => ({ busy: { ...state.busy, [provider]: busy } }));
  const setMessage = (provider: string, message: ProviderMessage | undefined) =>
    set((state) => ({ messages: { ...state.messages, [provider]: message } }));

  return {
    status: 'idle',
    statuses: [],
    error: null,
    loadedAt: null,
    busy: {},
    messages: {},

    async load() {
      const seq = ++loadSeq;
      if (get().status === 'idle' || get().status === 'error') set({ status: 'loading' });
      const result = await api.call('providers.status', {});
      if (seq !== loadSeq) return;
      if (!result.ok) {
        // A failed refresh keeps the last good numbers on screen.
        set((state) => ({ status: state.statuses.length > 0 ? 'ready' : 'error', error: result.error }));
        return;
      }
      set({ status: 'ready', error: null, statuses: result.value.providers, loadedAt: Date.now() });
    },

    async setLimits(provider, limits) {
      setBusy(provider, 'limits');
      setMessage(provider, undefined);
      const result = await api.call('providers.setLimits', { provider, limits });
      setBusy(provider, undefined);
      if (!result.ok) {
        setMessage(provider, { kind: 'error', action: 'limits', error: result.error });
        return false;
      }
      loadSeq++;
      put(result.value);
      setMessage(provider, { kind: 'saved' });
      return true;
    },

    async resetBreaker(provider) {
      setBusy(provider, 'reset');
      setMessage(provider, undefined);
      const result = await api.call('providers.resetBreaker', { provider });
      setBusy(provider, undefined);
      if (!result.ok) {
        setMessage(provider, { kind: 'error', action: 'reset', error: result.error });
        return;
      }
      loadSeq++;
      put(result.value);
      setMessage(provider, { kind: 'reset' });
    },

    clearMessage(provider) {
      setMessage(provider, undefined);
    },
  };
});
