import { useEffect } from 'react';
import { TASK_TYPES } from '../../../shared/constants';
import { useRoutesStore } from '../../app/routes';
import { Button, ErrorCard, Spinner } from '../../components';
import { readableError } from '../../lib/errors';
import { RouteBlock } from './RouteBlock';

/** Settings → Routes: which providers each task type tries, in which order. */
export function RoutesEditor() {
  const routes = useRoutesStore((s) => s.routes);
  const status = useRoutesStore((s) => s.status);
  const error = useRoutesStore((s) => s.error);
  const load = useRoutesStore((s) => s.load);

  useEffect(() => {
    void load();
  }, [load]);

  // Task types in their fixed order; a route the main process adds later still shows, at the end.
  const ordered = [
    ...TASK_TYPES.flatMap((task) => routes.filter((r) => r.taskType === task)),
    ...routes.filter((r) => !(TASK_TYPES as readonly string[]).includes(r.taskType)),
  ];

  return (
    <section className="settings__section settings__section--wide" aria-labelledby="routes-title">
      <h2 className="settings__h2" id="routes-title">
        Routes
      </h2>
      <p className="settings__intro">
        With the provider on <strong>Auto</strong>, a run walks its task's chain: if a provider is
        rate-limited, out of quota, paused or over budget, the next one takes it. Every step tried is kept on
        the run.
      </p>
      {status === 'loading' && routes.length === 0 && (
        <div className="settings__loading">
          <Spinner size={16} /> Loading routes…
        </div>
      )}
      {status === 'error' && error && routes.length === 0 && (
        <ErrorCard
          compact
          error={readableError(error, undefined, 'Routes are not available')}
          actions={
            <Button size="sm" onClick={() => void load()}>
              Try again
            </Button>
          }
        />
      )}
      <div className="routes">
        {ordered.map((route) => (
          <RouteBlock key={route.taskType} route={route} />
        ))}
      </div>
    </section>
  );
}
