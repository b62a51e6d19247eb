// Settings' part of start-up (called by app/App.tsx): the events that keep the Providers panel current.

import { api } from '../api';
import { useProviderStatusStore } from './providers/store';
import { useQualityProgressStore } from './quality/progress-store';

export function startSettings(): () => void {
  let providersTimer: ReturnType<typeof setTimeout> | undefined;
  // A busy chain changes provider state many times a second: refresh the panel once per burst.
  const refreshProviders = () => {
    clearTimeout(providersTimer);
    providersTimer = setTimeout(() => {
      if (useProviderStatusStore.getState().status !== 'idle') void useProviderStatusStore.getState().load();
    }, 200);
  };

  let wasDown = false;
  const offs = [
    api.on('run.completed', refreshProviders),
    api.on('keys.changed', refreshProviders),
    api.on('providers.changed', refreshProviders),
    api.on('quality.progress', (progress) => useQualityProgressStore.getState().set(progress)),
    api.onConnection((state) => {
      if (state === 'reconnecting' || state === 'unauthorized') wasDown = true;
      if (state === 'open' && wasDown) {
        // Events were missed while the stream was down.
        wasDown = false;
        refreshProviders();
      }
    }),
  ];
  return () => {
    clearTimeout(providersTimer);
    for (const off of offs) off();
  };
}
