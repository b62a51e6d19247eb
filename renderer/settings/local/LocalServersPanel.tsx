import { useEffect } from 'react';
import { settingsPath } from '../../../shared/settings-tabs';
import { useLocalServersStore } from '../../app/local-servers';
import { Button, EmptyState, ErrorCard, Spinner } from '../../components';
import { isMissingCall, readableError } from '../../lib/errors';
import { useNow } from '../../lib/useNow';
import { AddServerForm } from './AddServerForm';
import { ServerCard } from './ServerCard';

/** Settings → Local GPU: your own Stable Diffusion / Flux servers, free per image. */
export function LocalServersPanel() {
  const servers = useLocalServersStore((s) => s.servers);
  const status = useLocalServersStore((s) => s.status);
  const error = useLocalServersStore((s) => s.error);
  const load = useLocalServersStore((s) => s.load);
  const now = useNow(15_000);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section className="settings__section" aria-labelledby="local-title">
      <h2 className="settings__h2" id="local-title">
        Local GPU
      </h2>
      <p className="settings__intro">
        Automatic1111 / Forge and ComfyUI servers run Stable Diffusion and Flux on your own GPU: no key and no
        per-image cost. Add them to a route in {settingsPath('routes')}.
      </p>
      {status === 'loading' && servers.length === 0 && (
        <div className="settings__loading">
          <Spinner size={16} /> Loading servers…
        </div>
      )}
      {status === 'error' && error && (
        <ErrorCard
          compact
          error={readableError(
            error,
            undefined,
            isMissingCall(error)
              ? 'Local servers are not available in this version'
              : 'Servers could not be listed',
          )}
          actions={
            <Button size="sm" onClick={() => void load()}>
              Try again
            </Button>
          }
        />
      )}
      {status === 'ready' && servers.length === 0 && (
        <EmptyState icon="server" title="No local server yet" headingLevel={3} className="empty--inline">
          <p>Add one below: Atelier checks it answers and lists its checkpoints.</p>
        </EmptyState>
      )}
      <div className="servers">
        {servers.map((server) => (
          <ServerCard key={server.id} server={server} now={now} />
        ))}
      </div>
      <AddServerForm />
    </section>
  );
}
