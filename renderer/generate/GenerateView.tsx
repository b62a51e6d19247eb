import { useEffect } from 'react';
import { hasAnyKey, useCatalogStore } from '../app/catalog';
import { useLocalServersStore } from '../app/local-servers';
import { EmptyState, Spinner } from '../components';
import { GenerateForm, SUBMIT_HINT } from './GenerateForm';
import { Onboarding } from './Onboarding';
import { PlaceholderTiles } from './RunProgress';
import { RunQueue } from './RunQueue';
import { EarlierRuns, RunResult } from './RunResult';
import { useRunsStore } from './runs-store';
import { useGenerateStore } from './store';
import './generate.css';

/** The result on the canvas, or where it will appear, or what to do first. */
function Stage() {
  const latest = useRunsStore((s) => s.latest);
  const next = useRunsStore((s) => s.inFlight[0]);
  const starting = useRunsStore((s) => s.starting);
  const providers = useCatalogStore((s) => s.providers);
  const status = useCatalogStore((s) => s.status);
  const hasLocalServer = useLocalServersStore((s) => s.servers.some((server) => server.enabled));

  if (latest) return <RunResult />;
  if (next || starting > 0) return <PlaceholderTiles run={next} />;
  if (status === 'loading' || status === 'idle') {
    return (
      <div className="canvas__loading">
        <Spinner size={20} />
      </div>
    );
  }
  if (status === 'ready' && !hasAnyKey(providers) && !hasLocalServer) return <Onboarding />;
  return (
    <EmptyState icon="image" title="Your images will appear here">
      <p>
        Write a prompt and press Generate (<kbd>{SUBMIT_HINT}</kbd>). Every run is kept in History with its
        seed, so you can lock a good seed and change one thing at a time.
      </p>
    </EmptyState>
  );
}

export function GenerateView() {
  // Ctrl/Cmd+Enter generates from anywhere on this view, even after focus fell back to the page.
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Enter' || !(event.metaKey || event.ctrlKey) || event.isComposing) return;
      if (document.querySelector('dialog[open]')) return;
      event.preventDefault();
      // Queues another run even while others are in flight.
      void useGenerateStore.getState().generate();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
  return (
    <div className="generate">
      <GenerateForm />
      <section className="canvas" aria-label="Result">
        <RunQueue />
        <Stage />
        <EarlierRuns />
      </section>
    </div>
  );
}
