// The one place in app/ that imports features (the architecture check holds everything else in app/ to
// that): it starts each feature (its intent handlers and events, see actions.ts) and mounts its screen.
import './app.css';
import { type ComponentType, lazy, Suspense, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { api } from '../api';
import { startBoards } from '../boards/start';
import { Button, ErrorCard, Spinner } from '../components';
import { HistoryView } from '../gallery/HistoryView';
import { startGallery } from '../gallery/start';
import { useHistoryStore } from '../gallery/store';
import { readableError } from '../lib/errors';
import { whenIdle } from '../lib/idle';
import { startingFeatures } from './actions';
import { useCatalogStore } from './catalog';
import { startLiveUpdates } from './live';
import { useLocalServersStore } from './local-servers';
import { Nav } from './Nav';
import { useRoutesStore } from './routes';
import { followHash, useAppStore } from './store';
import { TokenMissing } from './TokenMissing';

/**
 * A screen or dialog in its own chunk, so a tab parses only what it shows first. History, the screen designers
 * work from, stays in the main chunk; the rest load on first use, or once the page is idle (`warm`).
 */
function split<P extends object>(load: () => Promise<ComponentType<P>>) {
  let loading: Promise<{ default: ComponentType<P> }> | null = null;
  const warm = () => {
    loading ??= load().then((component) => ({ default: component }));
    return loading;
  };
  return Object.assign(lazy(warm), { warm });
}

const GenerateView = split(() => import('../generate/GenerateView').then((m) => m.GenerateView));
const ReviewView = split(() => import('../review/ReviewView').then((m) => m.ReviewView));
const TrashView = split(() => import('../trash/TrashView').then((m) => m.TrashView));
const StylesView = split(() => import('../styles/StylesView').then((m) => m.StylesView));
const ReferencesView = split(() => import('../references/ReferencesView').then((m) => m.ReferencesView));
const SettingsView = split(() => import('../settings/SettingsView').then((m) => m.SettingsView));
const RunDetailDialog = split(() => import('../gallery/RunDetailDialog').then((m) => m.RunDetailDialog));
const BoardView = split(() => import('../boards/BoardView').then((m) => m.BoardView));
const AddToBoardDialog = split(() => import('../boards/AddToBoardDialog').then((m) => m.AddToBoardDialog));
const CompareDialog = split(() => import('../boards/CompareDialog').then((m) => m.CompareDialog));
const BatchesView = split(() => import('../batches/BatchesView').then((m) => m.BatchesView));
const BatchDialog = split(() => import('../batches/BatchDialog').then((m) => m.BatchDialog));
const SPLIT = [
  GenerateView,
  RunDetailDialog,
  BoardView,
  AddToBoardDialog,
  CompareDialog,
  BatchDialog,
  ReviewView,
  BatchesView,
  StylesView,
  ReferencesView,
  SettingsView,
  TrashView,
];

/**
 * Starts what app/ keeps for every screen and the features History's first screen shows (its own events, the
 * board sidebar and the selection bar's board actions): their intent handlers (actions.ts) and the events that
 * keep their stores current. Returns the function that stops them. The other features: `startLaterFeatures`.
 */
export function startFeatures(): () => void {
  const stops = [
    // First: opened at History, it asks for its first page here, ahead of every other start-up call.
    startGallery(),
    startLiveUpdates(),
    startBoards(),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}

/**
 * The other features, each loaded from its own chunk so a tab opened at History parses none of them before
 * its first thumbnails. An intent sent to one of them before it runs waits for it (actions.ts).
 */
const LATER_FEATURES: ReadonlyArray<() => Promise<() => () => void>> = [
  () => import('../generate/start').then((m) => m.startGenerate),
  () => import('../styles/start').then((m) => m.startStyles),
  () => import('../references/start').then((m) => m.startReferences),
  () => import('../settings/start').then((m) => m.startSettings),
  () => import('../imports/start').then((m) => m.startImports),
  () => import('../batches/start').then((m) => m.startBatches),
  () => import('../export/start').then((m) => m.startExport),
];

/**
 * Loads and starts the features `startFeatures` leaves out. `started` settles once all of them run (it
 * rejects when a chunk cannot be loaded); `stop` stops those running and, called earlier, the rest as they
 * arrive.
 */
export function startLaterFeatures(): { started: Promise<void>; stop: () => void } {
  let stopped = false;
  const stops: Array<() => void> = [];
  const started = Promise.all(
    LATER_FEATURES.map(async (load) => {
      const start = await load();
      if (!stopped) stops.push(start());
    }),
  ).then(() => undefined);
  startingFeatures(started);
  return {
    started,
    stop: () => {
      stopped = true;
      for (const stop of stops.splice(0)) stop();
    },
  };
}

export function App() {
  if (api.mode === 'browser' && !api.hasToken) return <TokenMissing />;
  return <Shell />;
}

function Shell() {
  const view = useAppStore((s) => s.view);
  const connection = useSyncExternalStore(api.onConnection, api.connection);
  const catalogError = useCatalogStore((s) => s.error);
  const catalogStatus = useCatalogStore((s) => s.status);
  // The dialogs (and the other screens' chunks) wait until the first screen is up: opened at History, until
  // its first page is in and the page is idle, so they never delay the first thumbnails.
  const firstPageDue = useHistoryStore((s) => s.status === 'idle' || s.status === 'loading');
  const [idle, setIdle] = useState(false);
  const waiting = !idle && view === 'history' && firstPageDue;
  useEffect(() => {
    if (idle || waiting) return;
    return whenIdle(() => {
      setIdle(true);
      for (const part of SPLIT) void part.warm();
    });
  }, [idle, waiting]);

  useEffect(() => {
    const unfollow = followHash();
    const stopFeatures = startFeatures();
    return () => {
      unfollow();
      stopFeatures();
    };
  }, []);

  // The other features: opened at History, once its first screen is up and the page idle (an intent sent to
  // one of them meanwhile waits for it); on any other screen, at once.
  const laterDue = idle || view !== 'history';
  const stopLater = useRef<(() => void) | null>(null);
  useEffect(() => {
    if (!laterDue || stopLater.current) return;
    const later = startLaterFeatures();
    stopLater.current = later.stop;
    later.started.catch((error: unknown) => {
      console.error('A part of Atelier could not be loaded; reload the page.', error);
    });
  }, [laterDue]);
  useEffect(
    () => () => {
      stopLater.current?.();
      stopLater.current = null;
    },
    [],
  );

  // The stores every screen shares; opened at History, after its first page (the thumbnails come first).
  const sharedLoaded = useRef(false);
  useEffect(() => {
    if (sharedLoaded.current || waiting) return;
    sharedLoaded.current = true;
    void useCatalogStore.getState().load();
    void useRoutesStore.getState().load();
    // A local server counts as a way to generate, so onboarding steps aside for it too.
    void useLocalServersStore.getState().load();
  }, [waiting]);

  useEffect(() => {
    const titles = {
      generate: 'Generate',
      history: 'History',
      batches: 'Batches',
      review: 'Review',
      trash: 'Trash',
      styles: 'Styles',
      references: 'References',
      settings: 'Settings',
    };
    document.title = `${titles[view]} · Atelier`;
  }, [view]);

  if (connection === 'unauthorized' || catalogError?.code === 'unauthorized') return <TokenMissing expired />;

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Nav connection={connection} />
      <main className="main" id="main" tabIndex={-1}>
        {catalogStatus === 'error' && catalogError && (
          <div className="banner">
            <ErrorCard
              error={readableError(catalogError)}
              compact
              actions={
                <Button size="sm" onClick={() => void useCatalogStore.getState().load()}>
                  Try again
                </Button>
              }
            />
          </div>
        )}
        <Suspense
          fallback={
            <div className="view-loading">
              <Spinner size={20} />
            </div>
          }
        >
          {view === 'generate' && <GenerateView />}
          {view === 'history' && <HistoryView />}
          {view === 'batches' && <BatchesView />}
          {view === 'review' && <ReviewView />}
          {view === 'trash' && <TrashView />}
          {view === 'styles' && <StylesView />}
          {view === 'references' && <ReferencesView />}
          {view === 'settings' && <SettingsView />}
        </Suspense>
      </main>
      {idle && (
        <Suspense fallback={null}>
          <RunDetailDialog />
          <BoardView />
          <AddToBoardDialog />
          <CompareDialog />
          <BatchDialog />
        </Suspense>
      )}
    </div>
  );
}
