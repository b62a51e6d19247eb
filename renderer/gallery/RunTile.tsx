import { type MouseEvent, memo } from 'react';
import { coordsLabel } from '../../shared/batch-coords';
import type { RunSummary } from '../../shared/domain';
import { providerName, useCatalogStore } from '../app/catalog';
import { setDraggedOutputs } from '../app/drag';
import { Icon, Spinner } from '../components';
import { errorLabel } from '../lib/errors';
import { formatCost, formatDateTime, formatShortDate } from '../lib/format';
import { coverWidth, thumbSources } from '../lib/thumbs';
import { approvalText } from './OutputReview';
import { runCardLabel } from './RunCard';
import type { SelectMode } from './selection';

/** The list view's thumbnail side (gallery.css `.gallery-row__thumb`). */
const LIST_THUMB = 48;

/** Tags shown on a tile before the rest fold into "+N". */
const TILE_TAGS = 2;
/** Boards named on a tile before the rest fold into "+N". */
const TILE_BOARDS = 1;
/**
 * Below this width (CSS px) a tile's badges are icons stacked down its left edge: at 10–12 per row a square tile
 * is ~75 px (and a 9:16 one at the default density ~90 px), where worded badges ran into the image count and off
 * the tile. Tags and boards become a count each and the batch an icon, named in their tooltips.
 */
export const COMPACT_TILE = 100;

const REVIEW_LABEL = { pending: 'Pending review', approved: 'Approved', rejected: 'Rejected' } as const;

export interface TileProps {
  run: RunSummary;
  index: number;
  tabbable: boolean;
  selected: boolean;
  onSelect: (index: number, run: RunSummary, mode: SelectMode) => void;
  onView: (index: number) => void;
  onDetails: (run: RunSummary) => void;
  onFocus: () => void;
  /** On screen: its thumbnail is fetched before the overscan rows' ones. */
  visible?: boolean;
  /** Expanded grid: which of the run's images this tile is (0: the cover). */
  output?: number;
  /** Grouped grid: a multi-image run shows its count on its one tile. */
  grouped?: boolean;
  /** That image, when it is not the cover (null while it loads). */
  image?: { thumbPath: string; width: number; height: number } | null;
  /** The tile's image box in CSS pixels (VirtualGrid): picks the thumbnail tier. */
  boxWidth?: number;
  boxHeight?: number;
}

function modeOf(event: MouseEvent): SelectMode {
  if (event.shiftKey) return 'range';
  if (event.metaKey || event.ctrlKey) return 'toggle';
  return 'only';
}

/** The run's review state as one word: the most pressing of its images' states. */
export function reviewOf(run: RunSummary): keyof typeof REVIEW_LABEL | null {
  if (run.reviewStates.includes('rejected')) return 'rejected';
  if (run.reviewStates.includes('pending')) return 'pending';
  if (run.reviewStates.includes('approved')) return 'approved';
  return null;
}

/** The width a thumbnail is drawn at when it covers a box of `boxWidth` × `boxHeight`. */
function shownWidth(image: { width: number; height: number }, boxWidth: number, boxHeight: number): number {
  return boxHeight > 0 ? coverWidth(boxWidth, boxWidth / boxHeight, image.width / image.height) : boxWidth;
}

function Thumb({
  run,
  visible = true,
  image,
  shown,
}: {
  run: RunSummary;
  visible?: boolean;
  image?: TileProps['image'];
  /** The CSS width the image is drawn at, given its aspect (or a fixed width, in the list). */
  shown: (image: { width: number; height: number }) => number;
}) {
  const cover = image === undefined ? run.cover : image;
  if (image === null) return <span className="thumb-placeholder gallery-tile__pending" />;
  if (cover)
    return (
      <img
        className="gallery-tile__img"
        {...thumbSources(cover.thumbPath, cover, shown(cover))}
        alt={run.prompt}
        width={cover.width || undefined}
        height={cover.height || undefined}
        loading={visible ? 'eager' : 'lazy'}
        fetchPriority={visible ? 'high' : 'low'}
        decoding="async"
        draggable={false}
      />
    );
  if (run.status === 'failed')
    return (
      <span className="thumb-placeholder gallery-tile__placeholder gallery-tile__placeholder--failed">
        <Icon name="alert" size={18} />
        <span>{run.error ? errorLabel(run.error.code) : 'Failed'}</span>
      </span>
    );
  return (
    <span className="thumb-placeholder gallery-tile__placeholder">
      {run.status === 'queued' || run.status === 'running' ? (
        <Spinner size={18} />
      ) : (
        <Icon name="image" size={18} />
      )}
    </span>
  );
}

/** Rating, favourite, review, checks, tags, boards and batch, over the image; on a compact tile, icons with counts. */
function Marks({ run, compact, counted }: { run: RunSummary; compact: boolean; counted: boolean }) {
  const review = reviewOf(run);
  const boards = run.boards ?? [];
  const flags = run.qualityFlags ?? 0;
  const batch = run.batch ? `Batch ${run.batch.id} · ${coordsLabel(run.batch.coords)}` : null;
  // Without the image count in the top right corner, worded badges may use the tile's whole width.
  const layout = compact ? ' gallery-tile__marks--compact' : counted ? '' : ' gallery-tile__marks--wide';
  return (
    <span className={`gallery-tile__marks${layout}`}>
      {run.favorite && (
        <span className="gallery-tile__badge gallery-tile__fav" title="Favourite">
          <Icon name="heart" size={12} />
        </span>
      )}
      {run.bestRating > 0 && (
        <span
          className="gallery-tile__badge"
          title={`Rated ${run.bestRating} of 5`}
          data-rating={run.bestRating}
        >
          <Icon name="star" size={11} /> {run.bestRating}
        </span>
      )}
      {review && review !== 'pending' && (
        <span
          className={`gallery-tile__badge gallery-tile__review--${review}`}
          title={
            review === 'approved' && run.approval
              ? approvalText(run.approval.at, run.approval.ref)
              : REVIEW_LABEL[review]
          }
        >
          {compact ? (
            <Icon name={review === 'approved' ? 'check' : 'close'} size={11} />
          ) : (
            REVIEW_LABEL[review]
          )}
          {!compact && review === 'approved' && run.approval?.ref && (
            <span className="gallery-tile__ref"> · {run.approval.ref}</span>
          )}
        </span>
      )}
      {flags > 0 && (
        <span
          className="gallery-tile__badge gallery-tile__quality"
          title="Quality checks failed or could not run: open the run to see why"
        >
          <Icon name="alert" size={11} /> {compact ? flags : flags === 1 ? '1 check' : `${flags} checks`}
        </span>
      )}
      {compact ? (
        <>
          {run.tags.length > 0 && (
            <span className="gallery-tile__badge gallery-tile__tag" title={`Tagged ${run.tags.join(', ')}`}>
              <Icon name="tag" size={11} /> {run.tags.length}
            </span>
          )}
          {boards.length > 0 && (
            <span
              className="gallery-tile__badge gallery-tile__board"
              title={`On board${boards.length > 1 ? 's' : ''} ${boards.map((b) => b.name).join(', ')}`}
            >
              <Icon name="folder" size={11} /> {boards.length}
            </span>
          )}
        </>
      ) : (
        <>
          {run.tags.slice(0, TILE_TAGS).map((tag) => (
            <span key={tag} className="gallery-tile__badge gallery-tile__tag">
              {tag}
            </span>
          ))}
          {run.tags.length > TILE_TAGS && (
            <span className="gallery-tile__badge gallery-tile__tag">+{run.tags.length - TILE_TAGS}</span>
          )}
          {boards.slice(0, TILE_BOARDS).map((board) => (
            <span
              key={board.id}
              className="gallery-tile__badge gallery-tile__board"
              title={`On board ${board.name}`}
              data-testid="card-board"
            >
              <Icon name="folder" size={11} />
              <span className="gallery-tile__board-name">{board.name}</span>
            </span>
          ))}
          {boards.length > TILE_BOARDS && (
            <span
              className="gallery-tile__badge gallery-tile__board"
              title={`Also on ${boards
                .slice(TILE_BOARDS)
                .map((b) => b.name)
                .join(', ')}`}
            >
              +{boards.length - TILE_BOARDS}
            </span>
          )}
        </>
      )}
      {batch && (
        <span className="gallery-tile__badge gallery-tile__tag" title={batch} data-testid="card-batch">
          {compact ? <Icon name="layers" size={11} /> : batch}
        </span>
      )}
    </span>
  );
}

/** One run in the justified grid: the image at its own aspect, badges on it, actions on hover. */
export const RunTile = memo(function RunTile({
  run,
  index,
  tabbable,
  selected,
  onSelect,
  onView,
  onDetails,
  onFocus,
  visible,
  output = 0,
  image,
  grouped = true,
  boxWidth = 0,
  boxHeight = 0,
}: TileProps) {
  const label = `${output > 0 ? `Image ${output + 1} of ` : ''}${runCardLabel(run)}${run.favorite ? ', favourite' : ''}${selected ? ', selected' : ''}`;
  const compact = boxWidth > 0 && boxWidth < COMPACT_TILE;
  const counted = run.outputsCount > 1 && grouped;
  return (
    <div
      className={`gallery-tile${selected ? ' is-selected' : ''}${compact ? ' gallery-tile--compact' : ''} gallery-tile--${run.status}`}
    >
      <button
        type="button"
        className="gallery-tile__hit"
        data-index={index}
        data-run={run.id}
        tabIndex={tabbable ? 0 : -1}
        aria-label={label}
        // A compact tile has no room for its prompt on hover: the tooltip gives it.
        title={compact ? run.prompt : undefined}
        aria-pressed={selected}
        // Dropped on a board in the sidebar, the run's images join it.
        draggable={run.outputsCount > 0}
        onDragStart={(event) => setDraggedOutputs(event.dataTransfer, { runIds: [run.id] })}
        onClick={(event) => onSelect(index, run, modeOf(event))}
        onDoubleClick={() => onView(index)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            onView(index);
          } else if (event.key === ' ') {
            event.preventDefault();
            onSelect(index, run, event.shiftKey ? 'range' : 'toggle');
          }
        }}
        onFocus={onFocus}
      >
        <Thumb
          run={run}
          visible={visible}
          image={image}
          // The tile's box is the image's aspect clamped (justify.ts); past the clamp the image is cropped.
          shown={(cover) => shownWidth(cover, boxWidth, boxHeight)}
        />
        <Marks run={run} compact={compact} counted={counted} />
        {counted && (
          <span className="gallery-tile__count" title={`${run.outputsCount} images`}>
            {!compact && <Icon name="image" size={11} />} {run.outputsCount}
          </span>
        )}
        {selected && (
          <span className="gallery-tile__check" aria-hidden="true">
            <Icon name="check" size={12} />
          </span>
        )}
      </button>
      <span className="gallery-tile__hover">
        <span className="gallery-tile__prompt">{run.prompt}</span>
        <span className="gallery-tile__actions">
          <button
            type="button"
            className="gallery-tile__action"
            aria-label={`View run ${run.id}`}
            onClick={() => onView(index)}
            tabIndex={-1}
          >
            View
          </button>
          <button
            type="button"
            className="gallery-tile__action"
            aria-label={`${selected ? 'Deselect' : 'Select'} run ${run.id}`}
            onClick={() => onSelect(index, run, 'toggle')}
            tabIndex={-1}
          >
            {selected ? 'Deselect' : 'Select'}
          </button>
        </span>
      </span>
    </div>
  );
});

/** One run in the list view: thumbnail, prompt, provider, model, seed, rating, cost, date. */
export const RunRow = memo(function RunRow({
  run,
  index,
  tabbable,
  selected,
  onSelect,
  onView,
  onDetails,
  onFocus,
  visible,
}: TileProps) {
  const providers = useCatalogStore((s) => s.providers);
  return (
    <button
      type="button"
      className={`gallery-row${selected ? ' is-selected' : ''}`}
      aria-pressed={selected}
      aria-label={`${runCardLabel(run)}${selected ? ', selected' : ''}`}
      data-index={index}
      data-run={run.id}
      tabIndex={tabbable ? 0 : -1}
      onClick={(event) => onSelect(index, run, modeOf(event))}
      onDoubleClick={() => onView(index)}
      onKeyDown={(event) => {
        if (event.key === 'Enter') onDetails(run);
        else if (event.key === ' ') {
          event.preventDefault();
          onSelect(index, run, event.shiftKey ? 'range' : 'toggle');
        }
      }}
      onFocus={onFocus}
    >
      <span className="gallery-row__thumb">
        <Thumb run={run} visible={visible} shown={() => LIST_THUMB} />
      </span>
      <span className="gallery-row__prompt" title={run.prompt}>
        {run.favorite && <Icon name="heart" size={12} className="gallery-row__fav" />}
        {run.prompt}
        {run.batch && (
          <span className="muted" data-testid="card-batch">
            {' '}
            · Batch {run.batch.id} · {coordsLabel(run.batch.coords)}
          </span>
        )}
      </span>
      <span>{providerName(providers, run.provider)}</span>
      <span className="gallery-row__mono">{run.model ?? '—'}</span>
      <span className="gallery-row__mono">{run.seed ?? '—'}</span>
      <span>{run.bestRating > 0 ? `${'★'.repeat(run.bestRating)}` : '—'}</span>
      <span>{formatCost(run.costUsd)}</span>
      <span title={formatDateTime(run.createdAt)}>{formatShortDate(run.createdAt)}</span>
    </button>
  );
});
