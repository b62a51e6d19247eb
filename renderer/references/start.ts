// References' part of start-up (called by app/App.tsx): the event that keeps the library grid current.

import { api } from '../api';
import { useReferencesStore } from './store';

export function startReferences(): () => void {
  const off = api.on('references.changed', () => {
    const refs = useReferencesStore.getState();
    if (refs.status !== 'idle' && refs.importing === null) {
      void refs.load();
      void refs.loadTags();
    }
  });
  return off;
}
