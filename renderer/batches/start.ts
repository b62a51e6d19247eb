// Batches' part of start-up (called by app/App.tsx): the "Batch…" intent from Generate, and the events that keep
// the list, the open batch's items and their progress current.

import { api } from '../api';
import { handle } from '../app/actions';
import { useBatchesStore } from './store';

export function startBatches(): () => void {
  let wasDown = false;
  const offs = [
    handle('batches.compose', (payload) => useBatchesStore.getState().startCompose(payload)),
    api.on('batch.updated', ({ batch }) => useBatchesStore.getState().put(batch)),
    api.on('batch.item', ({ item }) => useBatchesStore.getState().putItem(item)),
    api.onConnection((state) => {
      if (state === 'reconnecting' || state === 'unauthorized') wasDown = true;
      if (state === 'open' && wasDown) {
        // Events were missed while the stream was down.
        wasDown = false;
        const store = useBatchesStore.getState();
        if (store.status !== 'idle') void store.load();
        if (store.openId !== null) void store.open(store.openId);
      }
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
