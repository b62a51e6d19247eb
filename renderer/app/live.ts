// Wires the main process's events into the feature stores; each store stays unaware of the others.
import { api } from '../api';
import { useHistoryStore, useRunDetailStore } from '../gallery/store';
import { useGenerateStore } from '../generate/store';
import { useCatalogStore } from './catalog';

export function startLiveUpdates(): () => void {
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  // Several events in a burst (queued, requesting, …) become one list refresh.
  const refreshHistory = () => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => {
      if (useHistoryStore.getState().status !== 'idle') void useHistoryStore.getState().refreshTop();
    }, 150);
  };

  let wasDown = false;
  const offs = [
    api.on('run.updated', (payload) => {
      useGenerateStore.getState().onRunUpdated(payload);
      if (payload.status === 'queued' || payload.phase === 'done') refreshHistory();
    }),
    api.on('run.completed', (payload) => {
      useGenerateStore.getState().onRunCompleted(payload);
      refreshHistory();
      void useRunDetailStore.getState().reloadIfOpen(payload.runId);
    }),
    api.on('keys.changed', () => {
      void useCatalogStore.getState().load();
    }),
    api.onConnection((state) => {
      if (state === 'reconnecting' || state === 'unauthorized') wasDown = true;
      if (state === 'open' && wasDown) {
        // Events were missed while the stream was down: catch up from the source of truth.
        wasDown = false;
        void useGenerateStore.getState().resync();
        void useCatalogStore.getState().load();
        refreshHistory();
      }
    }),
  ];
  return () => {
    clearTimeout(refreshTimer);
    for (const off of offs) off();
  };
}
