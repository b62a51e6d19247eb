// Styles' part of start-up (called by app/App.tsx): the intent it handles for other screens, and the
// events that keep the style list and the open style current.

import { api } from '../api';
import { handle } from '../app/actions';
import { useStylesStore } from './store';

/** How many finished run ids are remembered for previews the open style does not list yet. */
const FINISHED_KEPT = 200;

export function startStyles(): () => void {
  let libraryTimer: ReturnType<typeof setTimeout> | undefined;
  // A preview can finish before the open style has been read again with it (its "previews" change is
  // debounced, and a fast run beats the read): remember finished runs, and when a read still shows one of
  // them in progress, read once more.
  const finished = new Set<number>();
  const refreshIfStale = () => {
    const previews = useStylesStore.getState().detail?.latest.previews ?? [];
    const stale = previews.filter(
      (p) => p.runId !== null && (p.status === 'queued' || p.status === 'running') && finished.has(p.runId),
    );
    if (stale.length === 0) return;
    for (const p of stale) finished.delete(p.runId!);
    void useStylesStore.getState().refreshOpen();
  };
  const offs = [
    useStylesStore.subscribe((state, before) => {
      if (state.detail !== before.detail) refreshIfStale();
    }),
    handle('styles.open', ({ styleId }) => {
      void useStylesStore.getState().open(styleId);
    }),
    api.on('run.completed', (payload) => {
      finished.add(payload.runId);
      if (finished.size > FINISHED_KEPT) finished.delete(finished.values().next().value!);
      // A preview of the style open in the editor finished: show its image.
      const openStyle = useStylesStore.getState().detail;
      if (openStyle?.latest.previews.some((preview) => preview.runId === payload.runId)) {
        void useStylesStore.getState().refreshOpen();
      }
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
  ];
  return () => {
    clearTimeout(libraryTimer);
    for (const off of offs) off();
  };
}
