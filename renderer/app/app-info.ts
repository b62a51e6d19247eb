// What this app is and can do (version, desktop or browser, whether files can be shown in the system's
// file manager), read once and shared by every screen that offers a desktop-only action.
import { create } from 'zustand';
import type { CallOutput } from '../../shared/contract';
import { api } from '../api';

interface AppInfoState {
  info: CallOutput<'app.info'> | null;
  load(): Promise<void>;
}

let loading: Promise<void> | null = null;

export const useAppInfoStore = create<AppInfoState>()((set) => ({
  info: null,
  load() {
    loading ??= api.call('app.info', {}).then((result) => {
      if (result.ok) set({ info: result.value });
      else loading = null; // asked again on the next screen that needs it
    });
    return loading;
  },
}));
