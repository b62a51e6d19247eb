// References' part of start-up (called by app/App.tsx): the events that keep the library grid current.

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
  // The quality gate classifies new references on its worker after import; their badges follow.
  const offChecked = api.on('quality.referencesChecked', ({ ids }) => {
    useReferencesStore.getState().checked(ids);
  });
  return () => {
    off();
    offChecked();
  };
}
