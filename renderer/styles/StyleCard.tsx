import { memo } from 'react';
import type { StyleSummary } from '../../shared/library-contract';
import { Badge, Icon } from '../components';
import { coverWidth, thumbSources } from '../lib/thumbs';
import { STATUS_LABEL, STATUS_TONE } from './model';

export const StyleCard = memo(function StyleCard({
  style,
  index,
  tabIndex,
  onOpen,
  onFocus,
  boxWidth,
}: {
  style: StyleSummary;
  index: number;
  tabIndex: 0 | -1;
  onOpen: () => void;
  onFocus: () => void;
  /** The square thumbnail's side in CSS pixels. */
  boxWidth: number;
}) {
  return (
    <button
      type="button"
      className={`style-card style-card--${style.status}`}
      data-index={index}
      tabIndex={tabIndex}
      aria-label={`${style.name}, ${STATUS_LABEL[style.status]}, version ${style.version}`}
      onClick={onOpen}
      onFocus={onFocus}
    >
      <span className="style-card__thumb">
        {style.cover ? (
          <img
            className="style-card__img"
            {...thumbSources(
              style.cover.thumbPath,
              style.cover,
              coverWidth(boxWidth, 1, style.cover.width / style.cover.height),
            )}
            alt=""
            width={style.cover.width}
            height={style.cover.height}
            loading="lazy"
            decoding="async"
            draggable={false}
          />
        ) : (
          <span className="thumb-placeholder style-card__placeholder" aria-hidden="true">
            <span className="style-card__initial">{style.name.slice(0, 1).toUpperCase()}</span>
            <span className="style-card__no-preview">No previews yet</span>
          </span>
        )}
        <span className="style-card__status">
          <Badge tone={STATUS_TONE[style.status]} icon={style.status === 'approved' ? 'check' : undefined}>
            {STATUS_LABEL[style.status]}
          </Badge>
        </span>
      </span>
      <span className="style-card__body">
        <span className="style-card__name">{style.name}</span>
        <span className="style-card__meta">
          <span className="style-card__owner">{style.owner || 'No owner'}</span>
          <span className="style-card__version">v{style.version}</span>
          {style.builtin && (
            <span className="style-card__builtin" title="Shipped with Atelier">
              <Icon name="database" size={12} />
            </span>
          )}
        </span>
        <span className="style-card__tags" aria-hidden="true">
          {style.tags.slice(0, 3).join(' · ')}
        </span>
      </span>
    </button>
  );
});
