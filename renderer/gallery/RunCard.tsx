import { memo } from 'react';
import { coordsLabel } from '../../shared/batch-coords';
import type { RunSummary } from '../../shared/domain';
import { api } from '../api';
import { providerName, useCatalogStore } from '../app/catalog';
import { setDraggedOutputs } from '../app/drag';
import { Badge, Icon, QualityBadge, Spinner } from '../components';
import { errorLabel } from '../lib/errors';
import { excerpt, formatRelative, STATUS_LABEL, STATUS_TONE } from '../lib/format';

/** Tags shown on a card before the rest fold into "+N". */
const CARD_TAGS = 3;

/** The card's spoken name: run, prompt, then rating and tags when there are any. */
export function runCardLabel(
  run: Pick<RunSummary, 'id' | 'prompt' | 'bestRating' | 'tags' | 'approval'>,
): string {
  const parts = [`Run ${run.id}: ${excerpt(run.prompt, 60)}`];
  if (run.bestRating > 0) parts.push(`rated ${run.bestRating} of 5`);
  if (run.approval) parts.push(`approved${run.approval.ref ? ` with sign-off ${run.approval.ref}` : ''}`);
  if (run.tags.length > 0) parts.push(`tagged ${run.tags.join(', ')}`);
  return parts.join(', ');
}

export const RunCard = memo(function RunCard({
  run,
  index,
  tabbable,
  onOpen,
  onFocus,
}: {
  run: RunSummary;
  index: number;
  tabbable: boolean;
  onOpen: () => void;
  onFocus: () => void;
}) {
  const providers = useCatalogStore((s) => s.providers);
  const inFlight = run.status === 'queued' || run.status === 'running';
  const cover = run.cover;
  // The thumbnail keeps its own shape inside the square cell: 16:9 and 9:16 runs look different.
  const orientation = cover && cover.height > cover.width ? 'tall' : 'wide';
  return (
    <button
      type="button"
      className={`history-card history-card--${run.status}`}
      data-index={index}
      tabIndex={tabbable ? 0 : -1}
      aria-label={runCardLabel(run)}
      // Dropped on a board in the sidebar, the run's images join it.
      draggable={run.outputsCount > 0}
      onDragStart={(event) => setDraggedOutputs(event.dataTransfer, { runIds: [run.id] })}
      onClick={onOpen}
      onFocus={onFocus}
    >
      <span className="history-card__thumb">
        {cover ? (
          <img
            className={`history-card__img history-card__img--${orientation}`}
            src={api.mediaUrl(cover.thumbPath)}
            alt={run.prompt}
            width={cover.width || undefined}
            height={cover.height || undefined}
            loading="lazy"
            decoding="async"
            draggable={false}
          />
        ) : run.status === 'failed' ? (
          <span className="thumb-placeholder history-card__placeholder history-card__placeholder--failed">
            <Icon name="alert" size={20} />
            <span className="history-card__reason">{run.error ? errorLabel(run.error.code) : 'Failed'}</span>
          </span>
        ) : inFlight ? (
          <span className="thumb-placeholder history-card__placeholder">
            <Spinner size={20} />
          </span>
        ) : (
          <span className="thumb-placeholder history-card__placeholder">
            <Icon name="image" size={20} />
          </span>
        )}
        {run.outputsCount > 1 && (
          <span className="history-card__count" aria-hidden="true">
            {run.outputsCount}
          </span>
        )}
      </span>
      <span className="history-card__body">
        <span className="history-card__prompt">{run.prompt}</span>
        <span className="history-card__marks" aria-hidden="true">
          {run.bestRating > 0 && (
            <span className="history-card__rating" data-rating={run.bestRating}>
              {[1, 2, 3, 4, 5].map((star) => (
                <Icon
                  key={star}
                  name="star"
                  size={11}
                  className={star <= run.bestRating ? 'history-card__star is-on' : 'history-card__star'}
                />
              ))}
            </span>
          )}
          {run.tags.slice(0, CARD_TAGS).map((tag) => (
            <span key={tag} className="history-card__tag">
              {tag}
            </span>
          ))}
          {run.tags.length > CARD_TAGS && (
            <span className="history-card__tag history-card__tag--more">+{run.tags.length - CARD_TAGS}</span>
          )}
        </span>
        <span className="history-card__meta">
          <span className="history-card__provider">{providerName(providers, run.provider)}</span>
          <span className="history-card__time">{formatRelative(run.createdAt)}</span>
          <Badge tone={STATUS_TONE[run.status]} icon={run.status === 'failed' ? 'alert' : undefined}>
            {STATUS_LABEL[run.status]}
          </Badge>
          <QualityBadge flagged={run.qualityFlags ?? 0} />
        </span>
        {run.batch && (
          <span className="history-card__batch" data-testid="card-batch">
            Batch {run.batch.id} · {coordsLabel(run.batch.coords)}
          </span>
        )}
      </span>
    </button>
  );
});
