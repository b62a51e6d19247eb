// The A1111/Forge and ComfyUI servers Atelier may send work to: edited in Settings → Local GPU, and read by
// Generate (a local server counts as a way to generate), so it is kept here for every screen.

import { create } from 'zustand';
import type { CallInput } from '../../shared/contract';
import type { LocalServer } from '../../shared/domain';
import type { AppErrorShape } from '../../shared/result';
import { api } from '../api';

export type ServerAction = 'check' | 'update' | 'remove';

interface LocalServersState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  servers: LocalServer[];
  error: AppErrorShape | null;
  busy: Record<number, ServerAction | undefined>;
  errors: Record<number, { action: ServerAction; error: AppErrorShape } | undefined>;
  adding: boolean;
  addError: AppErrorShape | null;
  load(): Promise<void>;
  add(input: CallInput<'localServers.add'>): Promise<boolean>;
  update(input: CallInput<'localServers.update'>): Promise<boolean>;
  remove(id: number): Promise<void>;
  check(id: number): Promise<void>;
  clearAddError(): void;
}

let loadSeq = 0;

export const useLocalServersStore = create<LocalServersState>()((set, get) => {
  const put = (server: LocalServer) =>
    set((state) => ({
      servers: state.servers.some((s) => s.id === server.id)
        ? state.servers.map((s) => (s.id === server.id ? server : s))
        : [...state.servers, server],
    }));
  const setBusy = (id: number, busy: ServerAction | undefined) =>
    set((state) => ({ busy: { ...state.busy, [id]: busy } }));
  const setError = (id: number, value: LocalServersState['errors'][number]) =>
    set((state) => ({ errors: { ...state.errors, [id]: value } }));

  async function act(
    id: number,
    action: ServerAction,
    call: () => Promise<{ ok: true; value: LocalServer } | { ok: false; error: AppErrorShape }>,
  ) {
    setBusy(id, action);
    setError(id, undefined);
    const result = await call();
    setBusy(id, undefined);
    if (!result.ok) {
      setError(id, { action, error: result.error });
      return false;
    }
    loadSeq++;
    put(result.value);
    return true;
  }

  return {
    status: 'idle',
    servers: [],
    error: null,
    busy: {},
    errors: {},
    adding: false,
    addError: null,

    async load() {
      const seq = ++loadSeq;
      if (get().status === 'idle' || get().status === 'error') set({ status: 'loading' });
      const result = await api.call('localServers.list', {});
      if (seq !== loadSeq) return;
      if (!result.ok) {
        set((state) => ({ status: state.servers.length > 0 ? 'ready' : 'error', error: result.error }));
        return;
      }
      set({ status: 'ready', error: null, servers: result.value.servers });
    },

    async add(input) {
      set({ adding: true, addError: null });
      const result = await api.call('localServers.add', input);
      if (!result.ok) {
        set({ adding: false, addError: result.error });
        return false;
      }
      loadSeq++;
      put(result.value);
      set({ adding: false, status: 'ready' });
      return true;
    },

    update(input) {
      return act(input.id, 'update', () => api.call('localServers.update', input));
    },

    async remove(id) {
      setBusy(id, 'remove');
      setError(id, undefined);
      const result = await api.call('localServers.remove', { id });
      setBusy(id, undefined);
      if (!result.ok) {
        setError(id, { action: 'remove', error: result.error });
        return;
      }
      loadSeq++;
      set((state) => ({ servers: state.servers.filter((s) => s.id !== id) }));
    },

    async check(id) {
      await act(id, 'check', () => api.call('localServers.check', { id }));
    },

    clearAddError() {
      set({ addError: null });
    },
  };
});
