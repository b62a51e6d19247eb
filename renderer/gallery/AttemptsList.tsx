import { useState } from 'react';
import type { AttemptRecord } from '../../shared/domain';
import { modelName, providerName, useCatalogStore } from '../app/catalog';
import { Icon } from '../components';
import { describeAttempt, formatCost, formatDuration, formatTime } from '../lib/format';

function sentValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(sentValue).join(', ');
  return Object.entries(value as Record<string, unknown>)
    .map(([key, inner]) => `${key}: ${sentValue(inner)}`)
    .join('; ');
}

/** What went over the wire, rendered only when opened so its text never hides among the visible facts. */
function SentRequest({ sent }: { sent: [string, unknown][] }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="attempt__sent" onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>What Atelier sent</summary>
      {open && (
        <dl className="kv kv--compact">
          {sent.map(([key, value]) => (
            <div key={key} className="kv__row">
              <dt>{key}</dt>
              <dd>{sentValue(value)}</dd>
            </div>
          ))}
        </dl>
      )}
    </details>
  );
}

/** The attempts timeline: one row per provider call, in order, with what came back. */
export function AttemptsList({ attempts, labelId }: { attempts: AttemptRecord[]; labelId: string }) {
  const providers = useCatalogStore((s) => s.providers);
  if (attempts.length === 0) {
    return (
      <>
        <ol className="attempts" aria-labelledby={labelId} />
        <p className="muted">No provider was called for this run.</p>
      </>
    );
  }
  return (
    <ol className="attempts" aria-labelledby={labelId}>
      {[...attempts]
        .sort((a, b) => a.ordinal - b.ordinal)
        .map((attempt) => {
          const ok = attempt.outcome === 'ok';
          const sent = Object.entries(attempt.requestSent);
          return (
            <li key={attempt.id} className={ok ? 'attempt is-ok' : `attempt is-${attempt.outcome}`}>
              <span className="attempt__marker" aria-hidden="true">
                <Icon name={ok ? 'check' : attempt.outcome === 'cancelled' ? 'close' : 'alert'} size={12} />
              </span>
              <div className="attempt__main">
                <p className="attempt__line">
                  <span className="attempt__who">
                    {providerName(providers, attempt.provider)} ·{' '}
                    {modelName(providers, attempt.provider, attempt.model)}
                  </span>
                  <span className="attempt__outcome">{describeAttempt(attempt)}</span>
                </p>
                <p className="attempt__facts">
                  <span>#{attempt.ordinal}</span>
                  <span>HTTP {attempt.httpStatus ?? '—'}</span>
                  <span>{formatDuration(attempt.latencyMs)}</span>
                  <span>{formatCost(attempt.costUsd)}</span>
                  <span>at {formatTime(attempt.startedAt)}</span>
                  <code title="Model id">{attempt.model}</code>
                  {attempt.providerCode && <code title="Provider's error code">{attempt.providerCode}</code>}
                </p>
                {attempt.providerMessage && <p className="attempt__message">{attempt.providerMessage}</p>}
                {attempt.warnings.length > 0 && (
                  // Not a nested list: each attempt stays exactly one item of the "Attempts" list.
                  <div className="attempt__warnings">
                    {attempt.warnings.map((warning, index) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: warnings may repeat; position is identity.
                      <p key={index}>
                        <Icon name="warning" size={12} /> {warning}
                      </p>
                    ))}
                  </div>
                )}
                {sent.length > 0 && <SentRequest sent={sent} />}
              </div>
            </li>
          );
        })}
    </ol>
  );
}
