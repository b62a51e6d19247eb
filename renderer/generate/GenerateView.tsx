import { useEffect } from 'react';
import { hasAnyKey, useCatalogStore } from '../app/catalog';
import { EmptyState, Spinner } from '../components';
import { useLocalServersStore } from '../settings/local/store';
import { GenerateForm, SUBMIT_HINT } from './GenerateForm';
import { Onboarding } from './Onboarding';
import { RunProgress } from './RunProgress';
import { RunResult } from './RunResult';
import { useGenerateStore } from './store';

function Canvas() {
  const run = useGenerateStore((s) => s.run);
  const lastRequest = useGenerateStore((s) => s.lastRequest);
  const providers = useCatalogStore((s) => s.providers);
  const status = useCatalogStore((s) => s.status);
  const hasLocalServer = useLocalServersStore((s) => s.servers.some((server) => server.enabled));

  if (run.kind === 'starting' || run.kind === 'running') return <RunProgress request={lastRequest} />;
  if (run.kind !== 'idle') return <RunResult />;
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
      void useGenerateStore.getState().generate();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
  return (
    <div className="generate">
      <GenerateForm />
      <section className="canvas" aria-label="Result">
        <Canvas />
      </section>
    </div>
  );
}
