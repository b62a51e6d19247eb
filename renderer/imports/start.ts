// Imports' part of start-up (called by app/App.tsx): History's Import button and drop, a run's imported
// panel, and the progress events of a running import.

import { api } from '../api';
import { handle } from '../app/actions';
import { fill } from '../app/slots';
import { HistoryImport } from './ImportDialog';
import { ImportedPanel } from './ImportedPanel';
import { useImportsStore } from './store';

export function startImports(): () => void {
  const stops = [
    fill('history.actions', HistoryImport),
    fill('run.imported', ImportedPanel),
    handle('imports.files', ({ files }) => useImportsStore.getState().show(files)),
    api.on('imports.progress', (report) => useImportsStore.getState().progress(report)),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
