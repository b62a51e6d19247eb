// Export's part of start-up (called by app/App.tsx): History's Export… button and dialog, and the progress events
// of a running export.

import { HistoryQuery } from '../../shared/history-contract';
import { api } from '../api';
import { handle } from '../app/actions';
import { fill } from '../app/slots';
import { HistoryExport } from './ExportDialog';
import { useExportStore } from './store';

export function startExport(): () => void {
  const stops = [
    fill('history.export', HistoryExport),
    handle('export.open', ({ history }) =>
      useExportStore
        .getState()
        .show({ selection: [], history: HistoryQuery.parse(history), boardId: null }, 'history'),
    ),
    api.on('export.progress', (report) => useExportStore.getState().progress(report)),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
