// Wires the main process's events into the stores app/ keeps for every screen (catalog, routes, local
// servers). Each feature wires its own stores in its start.ts; App.tsx starts them all.
import { api } from '../api';
import { whenIdle } from '../lib/idle';
import { useCatalogStore } from './catalog';
import { useLocalServersStore } from './local-servers';
import { useReviewCountStore } from './review-count';
import { useRoutesStore } from './routes';

export function startLiveUpdates(): () => void {
  let wasDown = false;
  // The navigation's count waits for the first screen (History's first thumbnails come first).
  const offs = [
    whenIdle(() => void useReviewCountStore.getState().refresh()),
    // A finished run's images arrive in the review queue: the navigation's count follows.
    api.on('run.completed', () => {
      void useReviewCountStore.getState().refresh();
    }),
    api.on('keys.changed', () => {
      void useCatalogStore.getState().load();
    }),
    api.on('localServers.changed', () => {
      if (useLocalServersStore.getState().status !== 'idle') void useLocalServersStore.getState().load();
    }),
    api.onConnection((state) => {
      if (state === 'reconnecting' || state === 'unauthorized') wasDown = true;
      if (state === 'open' && wasDown) {
        // Events were missed while the stream was down: catch up from the source of truth.
        wasDown = false;
        void useCatalogStore.getState().load();
        void useRoutesStore.getState().load();
      }
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
