// History's part of start-up (called by app/App.tsx): the events that keep the run list and the open run current.

import { api } from '../api';
import { handle } from '../app/actions';
import { useAppStore } from '../app/store';
import { whenIdle } from '../lib/idle';
import { smallThumbUrl } from '../lib/thumbs';
import { useHistoryFilters } from './filters';
import { runAt, useHistoryStore, useRunDetailStore } from './store';

/** Runs whose covers are fetched ahead: more than the first screen holds at the densest setting a window shows. */
const AHEAD_RUNS = 24;
/** How long the covers fetched ahead are held after History opens (its own tiles have them by then). */
const HOLD_MS = 10_000;

/**
 * Opened elsewhere (Generate, most often), History gets ready once the page is idle: its first page is asked
 * for, and the covers of its first runs fetched in both thumbnail tiers (which one a tile takes depends on its
 * width), so a click on History renders at once and its first row shows from memory. About 48 small files
 * from the library folder; the images are held until History has opened, so the memory cache keeps them.
 */
function prepareHistory(): () => void {
  let held: HTMLImageElement[] = [];
  let release: ReturnType<typeof setTimeout> | undefined;
  const cancel = whenIdle(() => {
    void useHistoryStore
      .getState()
      .loadFirst()
      .then(() => {
        const { paged, status } = useHistoryStore.getState();
        if (status !== 'ready') return;
        for (let index = 0; index < AHEAD_RUNS; index++) {
          const cover = runAt(paged, index)?.cover;
          if (!cover) continue;
          for (const url of new Set([smallThumbUrl(cover.thumbPath), api.mediaUrl(cover.thumbPath)])) {
            const image = new Image();
            image.src = url;
            held.push(image);
          }
        }
      });
  });
  const unfollow = useAppStore.subscribe((state) => {
    if (state.view !== 'history' || release !== undefined) return;
    release = setTimeout(() => {
      held = [];
    }, HOLD_MS);
  });
  return () => {
    cancel();
    unfollow();
    clearTimeout(release);
    held = [];
  };
}

/** The loaded cards' board badges take the boards' current names; a deleted board's badge goes. */
async function followBoards(): Promise<void> {
  const result = await api.call('boards.list', {});
  // Unanswered (the stream is down): the badges stay until the next change or reload.
  if (!result.ok) return;
  useHistoryStore.getState().followBoards(new Map(result.value.boards.map((b) => [b.id, b.name])));
}

export function startGallery(): () => void {
  // Opened at History: its first page is asked for now, before the view has rendered and before the other
  // start-up calls, so it is first in line at the server.
  let stopPreparing = () => {};
  if (useAppStore.getState().view === 'history') void useHistoryStore.getState().loadFirst();
  else stopPreparing = prepareHistory();
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  // Several events in a burst (queued, requesting, …) become one list refresh.
  const refreshHistory = () => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => {
      if (useHistoryStore.getState().status !== 'idle') void useHistoryStore.getState().refreshTop();
    }, 150);
  };

  let wasDown = false;
  let verifying: (() => void) | null = null;
  const offs = [
    // Moving to History (a click in the navigation): its first page is asked for at once, so the server answers
    // while the view renders instead of after (the view's own call on mount joins this one).
    useAppStore.subscribe((state, before) => {
      if (state.view === 'history' && before.view !== 'history') void useHistoryStore.getState().loadFirst();
    }),
    // Once the first page is in (or refused) and the page idle, the view read from storage is parsed with the
    // contract, which loads then: a view it refuses gives way to the defaults. Neither the first page nor its
    // thumbnails wait for the schemas.
    useHistoryStore.subscribe((state) => {
      if (verifying || (state.status !== 'ready' && state.status !== 'error')) return;
      verifying = whenIdle(() => void useHistoryFilters.getState().verify());
    }),
    // The Batches screen's "Open in History": this batch's runs only (its chip in the bar clears it).
    handle('history.showBatch', ({ batchId }) => useHistoryFilters.getState().patch({ batches: [batchId] })),
    api.on('run.updated', (payload) => {
      if (payload.status === 'queued' || payload.phase === 'done') refreshHistory();
    }),
    api.on('run.completed', (payload) => {
      refreshHistory();
      void useRunDetailStore.getState().reloadIfOpen(payload.runId);
    }),
    // Images put on or taken off a board: the event names their runs with the boards they are on now, so the
    // loaded cards take their new badges at any depth, with no call. A board created, renamed or deleted names no runs: every loaded card's badges follow the boards
    // as they now are, and the newest page is fetched again.
    api.on('boards.changed', ({ runs }) => {
      if (!runs) {
        refreshHistory();
        void followBoards();
        return;
      }
      useHistoryStore.getState().setRunBoards(runs);
      for (const run of runs) void useRunDetailStore.getState().reloadIfOpen(run.id);
    }),
    // Quality checks land after the run completed: the cards' badges and the open run follow.
    api.on('quality.checked', ({ runIds }) => {
      refreshHistory();
      for (const runId of runIds) void useRunDetailStore.getState().reloadIfOpen(runId);
    }),
    // An import adds runs as it goes: the list and its counts follow, once it ends for sure.
    api.on('imports.progress', (report) => {
      if (report.state !== 'running' || report.processed % 50 === 0) refreshHistory();
      // The source counts change with every import.
      if (report.state !== 'running') void useHistoryFilters.getState().loadFacets();
    }),
    api.onConnection((state) => {
      if (state === 'reconnecting' || state === 'unauthorized') wasDown = true;
      if (state === 'open' && wasDown) {
        // Events were missed while the stream was down.
        wasDown = false;
        refreshHistory();
      }
    }),
  ];
  return () => {
    clearTimeout(refreshTimer);
    verifying?.();
    stopPreparing();
    for (const off of offs) off();
  };
}
