// Boards' part of start-up (called by app/App.tsx): the intents it answers ("Add to board", "Compare"), the
// History sidebar it fills, and the event that keeps the list and the open board current.

import { api } from '../api';
import { handle, registerSelectionAction } from '../app/actions';
import { fill } from '../app/slots';
import { BoardSidebar } from './BoardSidebar';
import { useBoardsStore } from './store';

export function startBoards(): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const state = useBoardsStore.getState();
      if (state.status !== 'idle') void state.load();
      if (state.openId !== null) void state.open(state.openId);
    }, 100);
  };
  const offs = [
    handle('boards.addOutputs', ({ outputIds }) => useBoardsStore.getState().startAdding(outputIds)),
    handle('compare.open', ({ outputIds }) => void useBoardsStore.getState().compare(outputIds)),
    fill('history.sidebar', BoardSidebar),
    api.on('boards.changed', refresh),
    // History's selection bar: the selection holds runs; each action looks up their images.
    registerSelectionAction({
      id: 'boards.compare',
      label: 'Compare',
      enabled: ({ runIds, allMatching }) => !allMatching && runIds.length >= 2 && runIds.length <= 4,
      run: ({ runIds }) => void useBoardsStore.getState().compareRuns(runIds),
    }),
    registerSelectionAction({
      id: 'boards.add',
      label: 'Add to board…',
      enabled: ({ runIds }) => runIds.length > 0,
      run: ({ runIds }) => void useBoardsStore.getState().startAddingRuns(runIds),
    }),
  ];
  return () => {
    clearTimeout(timer);
    for (const off of offs) off();
  };
}
