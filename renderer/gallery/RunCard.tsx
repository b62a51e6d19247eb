import { memo } from 'react';
import type { RunSummary } from '../../shared/domain';
import { api } from '../api';
import { providerName, useCatalogStore } from '../app/catalog';
import { Badge, Icon, Spinner } from '../components';
import { errorLabel } from '../lib/errors';
import { excerpt, formatRelative, STATUS_LABEL, STATUS_TONE } from '../lib/format';

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
  return (
    <button
      type="button"
      className={`run-card run-card--${run.status}`}
      data-index={index}
      tabIndex={tabbable ? 0 : -1}
      aria-label={`Run ${run.id}: ${excerpt(run.prompt, 60)}`}
      onClick={onOpen}
      onFocus={onFocus}
    >
      <span className="run-card__thumb">
        {run.cover ? (
          <img
            className="run-card__img"
            src={api.mediaUrl(run.cover.thumbPath)}
            alt={run.prompt}
            width={run.cover.width}
            height={run.cover.height}
            loading="lazy"
            decoding="async"
            draggable={false}
          />
        ) : run.status === 'failed' ? (
          <span className="run-card__placeholder run-card__placeholder--failed">
            <Icon name="alert" size={20} />
            <span className="run-card__reason">{run.error ? errorLabel(run.error.code) : 'Failed'}</span>
          </span>
        ) : inFlight ? (
          <span className="run-card__placeholder">
            <Spinner size={20} />
          </span>
        ) : (
          <span className="run-card__placeholder">
            <Icon name="image" size={20} />
          </span>
        )}
        {run.outputsCount > 1 && (
          <span className="run-card__count" aria-hidden="true">
            {run.outputsCount}
          </span>
        )}
      </span>
      <span className="run-card__body">
        <span className="run-card__prompt">{run.prompt}</span>
        <span className="run-card__meta">
          <span className="run-card__provider">{providerName(providers, run.provider)}</span>
          <span className="run-card__time">{formatRelative(run.createdAt)}</span>
          <Badge tone={STATUS_TONE[run.status]} icon={run.status === 'failed' ? 'alert' : undefined}>
            {STATUS_LABEL[run.status]}
          </Badge>
        </span>
      </span>
    </button>
  );
});
