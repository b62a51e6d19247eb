import { useCallback, useEffect } from 'react';
import { useCatalogStore } from '../../app/catalog';
import { Button, ErrorCard, Spinner } from '../../components';
import { readableError } from '../../lib/errors';
import { useNow, usePolling } from '../../lib/useNow';
import { ProviderCard } from './ProviderCard';
import { ProviderRow } from './ProviderRow';
import { useProviderStatusStore } from './store';

/** How often the panel asks again while it is on screen; events refresh it in between. */
const REFRESH_MS = 5000;

/** Settings → Providers: every provider's key, health, allowance use and spend, refreshed while visible. */
export function ProvidersPanel() {
  const providers = useCatalogStore((s) => s.providers);
  const statuses = useProviderStatusStore((s) => s.statuses);
  const status = useProviderStatusStore((s) => s.status);
  const error = useProviderStatusStore((s) => s.error);
  const load = useProviderStatusStore((s) => s.load);
  const anyOpen = statuses.some((s) => s.breaker.state === 'open');
  // Countdowns tick each second only while a breaker is open; relative times are fine at 5 s.
  const now = useNow(anyOpen ? 1000 : REFRESH_MS);

  useEffect(() => {
    void load();
  }, [load]);
  const tick = useCallback(() => void load(), [load]);
  usePolling(tick, REFRESH_MS);

  // Catalog order first (what Settings → API keys shows), then anything the catalog does not know.
  const known = new Set(providers.map((p) => p.id));
  const ordered = [
    ...providers.flatMap((p) => statuses.filter((s) => s.provider === p.id)),
    ...statuses.filter((s) => !known.has(s.provider)),
  ];
  const infoOf = (id: string) => providers.find((p) => p.id === id);
  // Full cards for providers that can take work or need attention; one line for the rest.
  const quiet = (s: (typeof statuses)[number]) =>
    s.breaker.state === 'closed' &&
    s.usage.inFlight === 0 &&
    (infoOf(s.provider)?.implemented === false || s.key === 'missing' || s.key === 'no_server');
  const active = ordered.filter((s) => !quiet(s));
  const needKey = ordered.filter((s) => quiet(s) && infoOf(s.provider)?.implemented !== false);
  const later = ordered.filter((s) => quiet(s) && infoOf(s.provider)?.implemented === false);
  const ready = active.filter((s) => s.key === 'ready' || s.key === 'not_needed').length;
  const flagged = statuses.filter((s) => s.key === 'flagged').length;
  const paused = statuses.filter((s) => s.breaker.state !== 'closed').length;

  return (
    <section className="settings__section settings__section--wide" aria-labelledby="providers-title">
      <div className="settings__head">
        <div>
          <h2 className="settings__h2" id="providers-title">
            Providers
          </h2>
          <p className="settings__intro">
            Which providers can take a request right now, and how much of each allowance and budget is used.
          </p>
        </div>
        {status === 'ready' && (
          <p className="settings__summary" aria-live="polite">
            {ready} ready{flagged > 0 ? ` · ${flagged} flagged` : ''}
            {paused > 0 ? ` · ${paused} paused` : ''}
          </p>
        )}
      </div>

      {status === 'loading' && statuses.length === 0 && (
        <div className="settings__loading">
          <Spinner size={16} /> Loading provider status…
        </div>
      )}
      {status === 'error' && error && (
        <ErrorCard
          compact
          error={readableError(error, undefined, 'Provider status is not available')}
          actions={
            <Button size="sm" onClick={() => void load()}>
              Try again
            </Button>
          }
        />
      )}
      {active.length > 0 && (
        <div className="pcards">
          {active.map((s) => (
            <ProviderCard key={s.provider} status={s} info={infoOf(s.provider)} now={now} />
          ))}
        </div>
      )}
      {needKey.length > 0 && (
        <div className="pgroup">
          <h3 className="pgroup__title">Need a key or a server</h3>
          <div className="prows">
            {needKey.map((s) => (
              <ProviderRow key={s.provider} status={s} info={infoOf(s.provider)} />
            ))}
          </div>
        </div>
      )}
      {later.length > 0 && (
        <div className="pgroup">
          <h3 className="pgroup__title">Coming in a later version</h3>
          <div className="prows">
            {later.map((s) => (
              <ProviderRow key={s.provider} status={s} info={infoOf(s.provider)} />
            ))}
          </div>
        </div>
      )}
    </section>
  );
}
