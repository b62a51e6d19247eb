// Styles' part of start-up (called by app/App.tsx): the intent it handles for other screens, and the
// events that keep the style list and the open style current.

import { api } from '../api';
import { handle } from '../app/actions';
import { useStylesStore } from './store';

export function startStyles(): () => void {
  let libraryTimer: ReturnType<typeof setTimeout> | undefined;
  const offs = [
    handle('styles.open', ({ styleId }) => {
      void useStylesStore.getState().open(styleId);
    }),
    api.on('run.completed', (payload) => {
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
