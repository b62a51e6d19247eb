import { create } from 'zustand';
import { api } from '../api';

export const VIEWS = ['generate', 'history', 'styles', 'references', 'settings'] as const;
export type View = (typeof VIEWS)[number];

function viewFromHash(hash: string): View {
  const name = hash.replace(/^#\/?/, '').split('/')[0] ?? '';
  return (VIEWS as readonly string[]).includes(name) ? (name as View) : 'generate';
}

export const viewHref = (view: View) => `#/${view}`;

interface AppState {
  view: View;
  /** The run whose details are open in the run dialog, from any view. */
  openRunId: number | null;
  /** A provider whose key row Settings should scroll to and focus (after "Open Settings" from an error). */
  focusProvider: string | null;
  go(view: View, options?: { focusProvider?: string }): void;
  openRun(id: number): void;
  closeRun(): void;
  consumeFocusProvider(): string | null;
}

export const useAppStore = create<AppState>()((set, get) => ({
  view: api.mode === 'browser' ? viewFromHash(window.location.hash) : 'generate',
  openRunId: null,
  focusProvider: null,
  go(view, options) {
    set({ view, focusProvider: options?.focusProvider ?? null });
    // The desktop window keeps its exact file URL (the main process checks it on every IPC call);
    // in a browser tab the view lives in the hash so reload, back and forward work.
    if (
      api.mode === 'browser' &&
      (viewFromHash(window.location.hash) !== view || window.location.hash === '')
    ) {
      window.history.pushState(null, '', viewHref(view));
    }
  },
  openRun(id) {
    set({ openRunId: id });
  },
  closeRun() {
    set({ openRunId: null });
  },
  consumeFocusProvider() {
    const provider = get().focusProvider;
    if (provider) set({ focusProvider: null });
    return provider;
  },
}));

/** Back/forward and hand-typed addresses move between views too. */
export function followHash(): () => void {
  if (api.mode !== 'browser') return () => {};
  const sync = () => useAppStore.setState({ view: viewFromHash(window.location.hash) });
  window.addEventListener('hashchange', sync);
  window.addEventListener('popstate', sync);
  return () => {
    window.removeEventListener('hashchange', sync);
    window.removeEventListener('popstate', sync);
  };
}
