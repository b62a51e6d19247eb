import { useState } from 'react';
import type { AttemptRecord, ProviderInfo } from '../../shared/domain';
import { attemptOutcomeText, sortedAttempts } from '../lib/attempts';
import { costBasisNote, formatDuration, formatRecordedCost, formatTime } from '../lib/format';
import { modelName, providerName } from '../lib/provider-names';
import { Icon, type IconName } from './Icon';
import './AttemptsList.css';

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

function markerIcon(outcome: AttemptRecord['outcome']): IconName {
  if (outcome === 'ok') return 'check';
  if (outcome === 'cancelled') return 'close';
  if (outcome === 'skipped') return 'chevronRight';
  if (outcome === 'rate_limited' || outcome === 'unavailable' || outcome === 'timeout') return 'refresh';
  return 'alert';
}

interface Row {
  attempt: AttemptRecord;
  /** 0 for a first try; n for the n-th retry of the same provider and model. */
  retry: number;
  /** On a first try that was retried: how many tries the provider got in all. */
  tries: number;
}

/**
 * Rows in order, gathered into list items of one provider call each: steps the dispatcher skipped
 * (nothing was sent) sit in the item of the call that followed them, or of the last call when they
 * came after it. A run where nothing was sent lists each skipped step as its own item.
 */
function itemsOf(attempts: AttemptRecord[]): Row[][] {
  const rows: Row[] = [];
  let previousSent: Row | null = null;
  for (const attempt of sortedAttempts(attempts)) {
    if (attempt.outcome === 'skipped') {
      rows.push({ attempt, retry: 0, tries: 1 });
      continue;
    }
    const last = rows.at(-1);
    const sameAsPrevious =
      previousSent !== null &&
      last === previousSent &&
      previousSent.attempt.provider === attempt.provider &&
      previousSent.attempt.model === attempt.model;
    const row: Row = { attempt, retry: sameAsPrevious ? previousSent!.retry + 1 : 0, tries: 1 };
    if (sameAsPrevious) {
      // The first try of this provider counts every retry that followed it.
      const first = rows[rows.length - 1 - previousSent!.retry]!;
      first.tries += 1;
    }
    rows.push(row);
    previousSent = row;
  }
  const items: Row[][] = [];
  let pending: Row[] = [];
  for (const row of rows) {
    pending.push(row);
    if (row.attempt.outcome !== 'skipped') {
      items.push(pending);
      pending = [];
    }
  }
  if (pending.length > 0) {
    if (items.length > 0) items[items.length - 1]!.push(...pending);
    else for (const row of pending) items.push([row]);
  }
  return items;
}

/**
 * The attempts timeline: one row per attempt, in order. Retries of the same provider sit under its
 * first try; steps the dispatcher skipped (no key, breaker open, allowance or budget spent) are muted
 * with their reason. The list has one item per provider call.
 */
export function AttemptsList({
  attempts,
  providers,
  labelId,
  compact = false,
}: {
  attempts: AttemptRecord[];
  /** The catalog (app/catalog.ts), for provider and model names. */
  providers: ProviderInfo[];
  labelId: string;
  /** The Generate canvas: outcomes only; warnings are shown above the images there. */
  compact?: boolean;
}) {
  if (attempts.length === 0) {
    return (
      <>
        <ol className="attempts" aria-labelledby={labelId} />
        <p className="muted">No provider was called for this run.</p>
      </>
    );
  }
  const items = itemsOf(attempts);
  const lastId = items.at(-1)!.at(-1)!.attempt.id;
  return (
    <ol className={compact ? 'attempts attempts--compact' : 'attempts'} aria-labelledby={labelId}>
      {items.map((item) => (
        <li key={item.at(-1)!.attempt.id} className="attempts__item">
          {item.map(({ attempt, retry, tries }) => {
            const sent = Object.entries(attempt.requestSent);
            const who = `${providerName(providers, attempt.provider)} · ${modelName(providers, attempt.provider, attempt.model)}`;
            const classes = [
              'attempt',
              `is-${attempt.outcome}`,
              retry > 0 ? 'is-retry' : '',
              attempt.id === lastId ? 'is-last' : '',
            ]
              .filter(Boolean)
              .join(' ');
            return (
              <div key={attempt.id} className={classes}>
                <span className="attempt__marker" aria-hidden="true">
                  <Icon name={markerIcon(attempt.outcome)} size={retry > 0 ? 10 : 12} />
                </span>
                <div className="attempt__main">
                  <p className="attempt__line">
                    {retry > 0 ? (
                      <span className="attempt__who attempt__who--retry">
                        <span className="visually-hidden">{who}, </span>retry {retry}
                      </span>
                    ) : (
                      <span className="attempt__who">{who}</span>
                    )}
                    <span className="attempt__outcome">
                      {attemptOutcomeText(attempt, providerName(providers, attempt.provider))}
                    </span>
                    {tries > 1 && <span className="attempt__tries">{tries} tries</span>}
                  </p>
                  {attempt.outcome !== 'skipped' && !compact && (
                    <p className="attempt__facts">
                      <span>#{attempt.ordinal}</span>
                      <span>HTTP {attempt.httpStatus ?? '—'}</span>
                      <span>{formatDuration(attempt.latencyMs)}</span>
                      <span title={costBasisNote(attempt.costBasis, attempt.costCredits) ?? undefined}>
                        {formatRecordedCost(attempt)}
                      </span>
                      <span>at {formatTime(attempt.startedAt)}</span>
                    </p>
                  )}
                  {attempt.providerMessage &&
                    attempt.outcome !== 'skipped' &&
                    !(compact && attempt.outcome === 'ok') && (
                      <p className="attempt__message">{attempt.providerMessage}</p>
                    )}
                  {attempt.warnings.length > 0 && !compact && (
                    // Not a nested list: the list's items stay one provider call each.
                    <div className="attempt__warnings">
                      {attempt.warnings.map((warning, index) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: warnings may repeat; position is identity.
                        <p key={index}>
                          <Icon name="warning" size={12} /> {warning}
                        </p>
                      ))}
                    </div>
                  )}
                  {!compact && sent.length > 0 && attempt.outcome !== 'skipped' && (
                    <SentRequest
                      // Ids and the provider's own error code are for support: behind the disclosure, not in the line.
                      sent={[
                        ['model id', attempt.model],
                        ...(attempt.providerCode
                          ? [['provider code', attempt.providerCode] as [string, unknown]]
                          : []),
                        ...sent,
                      ]}
                    />
                  )}
                </div>
              </div>
            );
          })}
        </li>
      ))}
    </ol>
  );
}
