// Wires the main process's events into the feature stores; each store stays unaware of the others.
import { api } from '../api';
import { useHistoryStore, useRunDetailStore } from '../gallery/store';
import { useEstimateStore } from '../generate/estimate';
import { useRunsStore } from '../generate/runs-store';
import { useReferencesStore } from '../references/store';
import { useLocalServersStore } from '../settings/local/store';
import { useProviderStatusStore } from '../settings/providers/store';
import { useStylesStore } from '../styles/store';
import { useCatalogStore } from './catalog';
import { useRoutesStore } from './routes';

export function startLiveUpdates(): () => void {
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  // Several events in a burst (queued, requesting, …) become one list refresh.
  const refreshHistory = () => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => {
      if (useHistoryStore.getState().status !== 'idle') void useHistoryStore.getState().refreshTop();
    }, 150);
  };

  let providersTimer: ReturnType<typeof setTimeout> | undefined;
  // A busy chain changes provider state many times a second: refresh the panel and the estimate once per burst.
  const refreshProviders = () => {
    clearTimeout(providersTimer);
    providersTimer = setTimeout(() => {
      if (useProviderStatusStore.getState().status !== 'idle') void useProviderStatusStore.getState().load();
      useEstimateStore.getState().refresh();
    }, 200);
  };

  let libraryTimer: ReturnType<typeof setTimeout> | undefined;
  let wasDown = false;
  const offs = [
    api.on('run.updated', (payload) => {
      useRunsStore.getState().onRunUpdated(payload);
      if (payload.status === 'queued' || payload.phase === 'done') refreshHistory();
    }),
    api.on('run.progress', (payload) => {
      useRunsStore.getState().onRunProgress(payload);
    }),
    api.on('run.completed', (payload) => {
      useRunsStore.getState().onRunCompleted(payload);
      refreshHistory();
      void useRunDetailStore.getState().reloadIfOpen(payload.runId);
      refreshProviders();
      // A preview of the style open in the editor finished: show its image.
      const openStyle = useStylesStore.getState().detail;
      if (openStyle?.latest.previews.some((preview) => preview.runId === payload.runId)) {
        void useStylesStore.getState().refreshOpen();
      }
    }),
    api.on('keys.changed', () => {
      void useCatalogStore.getState().load();
      refreshProviders();
    }),
    api.on('providers.changed', () => {
      refreshProviders();
    }),
    api.on('localServers.changed', () => {
      if (useLocalServersStore.getState().status !== 'idle') void useLocalServersStore.getState().load();
    }),
    api.on('library.changed', (payload) => {
      const styles = useStylesStore.getState();
      if (payload.kind === 'style' || payload.kind === 'previews') {
        clearTimeout(libraryTimer);
        libraryTimer = setTimeout(() => {
          if (styles.status !== 'idle') void useStylesStore.getState().load();
          void useStylesStore.getState().refreshOpen();
        }, 150);
      } else if (payload.kind === 'template' || payload.kind === 'negatives') {
        if (styles.openId !== null) void styles.loadSide();
      }
    }),
    api.on('references.changed', () => {
      const refs = useReferencesStore.getState();
      if (refs.status !== 'idle' && refs.importing === null) {
        void refs.load();
        void refs.loadTags();
      }
    }),
    api.onConnection((state) => {
      if (state === 'reconnecting' || state === 'unauthorized') wasDown = true;
      if (state === 'open' && wasDown) {
        // Events were missed while the stream was down: catch up from the source of truth.
        wasDown = false;
        void useRunsStore.getState().resync();
        void useCatalogStore.getState().load();
        void useRoutesStore.getState().load();
        refreshHistory();
        refreshProviders();
      }
    }),
  ];
  // The queue as it is now (runs in flight survive a reload); the events above keep it current.
  void useRunsStore.getState().load();
  return () => {
    clearTimeout(refreshTimer);
    clearTimeout(providersTimer);
    clearTimeout(libraryTimer);
    for (const off of offs) off();
  };
}
