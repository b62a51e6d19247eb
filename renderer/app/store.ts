import { create } from 'zustand';
import { SETTINGS_TABS, type SettingsTab } from '../../shared/settings-tabs';
import { api } from '../api';

export const VIEWS = [
  'generate',
  'history',
  'batches',
  'review',
  'styles',
  'references',
  'settings',
  'trash',
] as const;
export type View = (typeof VIEWS)[number];

export { SETTINGS_TABS, type SettingsTab };

function parseHash(hash: string): { view: View; tab: SettingsTab } {
  const [name = '', sub = ''] = hash.replace(/^#\/?/, '').split('/');
  const view = (VIEWS as readonly string[]).includes(name) ? (name as View) : 'generate';
  const tab =
    view === 'settings' && (SETTINGS_TABS as readonly string[]).includes(sub) ? (sub as SettingsTab) : 'keys';
  return { view, tab };
}

export const viewHref = (view: View, tab?: SettingsTab) =>
  view === 'settings' && tab && tab !== 'keys' ? `#/settings/${tab}` : `#/${view}`;

interface AppState {
  view: View;
  settingsTab: SettingsTab;
  /** The run whose details are open in the run dialog, from any view. */
  openRunId: number | null;
  /** A provider whose key row Settings should scroll to and focus (after "Open Settings" from an error). */
  focusProvider: string | null;
  /** Opens a view; Settings opens on API keys unless a tab is named. */
  go(view: View, options?: { focusProvider?: string; tab?: SettingsTab }): void;
  setSettingsTab(tab: SettingsTab): void;
  openRun(id: number): void;
  closeRun(): void;
  consumeFocusProvider(): string | null;
}

const initial =
  api.mode === 'browser'
    ? parseHash(window.location.hash)
    : { view: 'generate' as View, tab: 'keys' as SettingsTab };

function pushAddress(view: View, tab: SettingsTab) {
  // The desktop window keeps its exact file URL (the main process checks it on every IPC call);
  // in a browser tab the view lives in the hash so reload, back and forward work.
  if (api.mode !== 'browser') return;
  const href = viewHref(view, tab);
  if (window.location.hash !== href) window.history.pushState(null, '', href);
}

export const useAppStore = create<AppState>()((set, get) => ({
  view: initial.view,
  settingsTab: initial.tab,
  openRunId: null,
  focusProvider: null,
  go(view, options) {
    const settingsTab = view === 'settings' ? (options?.tab ?? 'keys') : get().settingsTab;
    set({ view, settingsTab, focusProvider: options?.focusProvider ?? null });
    pushAddress(view, settingsTab);
  },
  setSettingsTab(tab) {
    set({ settingsTab: tab });
    pushAddress(get().view, tab);
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
  const sync = () => {
    const { view, tab } = parseHash(window.location.hash);
    useAppStore.setState({ view, settingsTab: tab });
  };
  window.addEventListener('hashchange', sync);
  window.addEventListener('popstate', sync);
  return () => {
    window.removeEventListener('hashchange', sync);
    window.removeEventListener('popstate', sync);
  };
}
