// What the request on the form would cost and which providers of its chain could take it right now.

import { create } from 'zustand';
import type { CostEstimate, GenerationRequest } from '../../shared/domain';
import type { AppErrorShape } from '../../shared/result';
import { api } from '../api';

/** Typing settles before asking: one estimate per pause, not one per key. */
export const ESTIMATE_DEBOUNCE_MS = 300;

interface EstimateState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  estimate: CostEstimate | null;
  error: AppErrorShape | null;
  /** Asks for an estimate of this request after a short pause; the same request twice asks once. */
  request(request: GenerationRequest): void;
  /** Asks again for the last request (allowances, breakers or budgets changed). */
  refresh(): void;
}

let timer: ReturnType<typeof setTimeout> | undefined;
let seq = 0;
let lastKey: string | null = null;
let lastRequest: GenerationRequest | null = null;

export const useEstimateStore = create<EstimateState>()((set) => {
  function schedule(request: GenerationRequest, delay: number) {
    clearTimeout(timer);
    set((state) => ({ status: state.estimate ? state.status : 'loading' }));
    timer = setTimeout(async () => {
      const mine = ++seq;
      set({ status: 'loading' });
      const result = await api.call('generation.estimate', request);
      if (mine !== seq) return;
      if (result.ok) set({ status: 'ready', estimate: result.value, error: null });
      else set({ status: 'error', estimate: null, error: result.error });
    }, delay);
  }

  return {
    status: 'idle',
    estimate: null,
    error: null,
    request(request) {
      const key = JSON.stringify(request);
      if (key === lastKey) return;
      lastKey = key;
      lastRequest = request;
      schedule(request, ESTIMATE_DEBOUNCE_MS);
    },
    refresh() {
      if (lastRequest) schedule(lastRequest, 50);
    },
  };
});
