// The one place in app/ that imports features (the architecture check holds everything else in app/ to
// that): it starts each feature (its intent handlers and events, see actions.ts) and mounts its screen.
import './app.css';
import { useEffect, useSyncExternalStore } from 'react';
import { api } from '../api';
import { AddToBoardDialog } from '../boards/AddToBoardDialog';
import { BoardView } from '../boards/BoardView';
import { CompareDialog } from '../boards/CompareDialog';
import { startBoards } from '../boards/start';
import { Button, ErrorCard } from '../components';
import { startExport } from '../export/start';
import { HistoryView } from '../gallery/HistoryView';
import { RunDetailDialog } from '../gallery/RunDetailDialog';
import { startGallery } from '../gallery/start';
import { GenerateView } from '../generate/GenerateView';
import { startGenerate } from '../generate/start';
import { startImports } from '../imports/start';
import { readableError } from '../lib/errors';
import { ReferencesView } from '../references/ReferencesView';
import { startReferences } from '../references/start';
import { ReviewView } from '../review/ReviewView';
import { SettingsView } from '../settings/SettingsView';
import { startSettings } from '../settings/start';
import { StylesView } from '../styles/StylesView';
import { startStyles } from '../styles/start';
import { TrashView } from '../trash/TrashView';
import { useCatalogStore } from './catalog';
import { startLiveUpdates } from './live';
import { useLocalServersStore } from './local-servers';
import { Nav } from './Nav';
import { useRoutesStore } from './routes';
import { followHash, useAppStore } from './store';
import { TokenMissing } from './TokenMissing';

/**
 * Starts what app/ keeps for every screen and then each feature: its intent handlers (actions.ts) and the
 * events that keep its stores current. Returns the function that stops them all.
 */
export function startFeatures(): () => void {
  const stops = [
    startLiveUpdates(),
    startGenerate(),
    startGallery(),
    startStyles(),
    startReferences(),
    startSettings(),
    startBoards(),
    startImports(),
    startExport(),
  ];
  return () => {
    for (const stop of stops) stop();
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

  useEffect(() => {
    const unfollow = followHash();
    const stopFeatures = startFeatures();
    void useCatalogStore.getState().load();
    void useRoutesStore.getState().load();
    // A local server counts as a way to generate, so onboarding steps aside for it too.
    void useLocalServersStore.getState().load();
    return () => {
      unfollow();
      stopFeatures();
    };
  }, []);

  useEffect(() => {
    const titles = {
      generate: 'Generate',
      history: 'History',
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
        {view === 'generate' && <GenerateView />}
        {view === 'history' && <HistoryView />}
        {view === 'review' && <ReviewView />}
        {view === 'trash' && <TrashView />}
        {view === 'styles' && <StylesView />}
        {view === 'references' && <ReferencesView />}
        {view === 'settings' && <SettingsView />}
      </main>
      <RunDetailDialog />
      <BoardView />
      <AddToBoardDialog />
      <CompareDialog />
    </div>
  );
}
