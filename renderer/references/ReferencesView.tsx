import { memo, useEffect, useRef, useState } from 'react';
import type { ReferenceCheckRecord } from '../../shared/quality-contract';
import type { Reference, ReferenceImportResult } from '../../shared/references-contract';
import { api } from '../api';
import { send } from '../app/actions';
import { useAppStore } from '../app/store';
import {
  Badge,
  Button,
  Dialog,
  DropZone,
  EmptyState,
  ErrorCard,
  FilterChips,
  Icon,
  QualityChecks,
  Spinner,
  TagPill,
  VirtualGrid,
} from '../components';
import { readableError } from '../lib/errors';
import { formatRelative } from '../lib/format';
import { STEER_LABEL, STEERS } from '../lib/steers';
import { coverWidth, thumbSources } from '../lib/thumbs';
import { useReferencesStore } from './store';
import './references.css';

const RESULT_TONE = { imported: 'success', duplicate: 'info', refused: 'danger' } as const;
const RESULT_LABEL = { imported: 'Imported', duplicate: 'Duplicate', refused: 'Refused' } as const;

function ImportResults() {
  const results = useReferencesStore((s) => s.results);
  const importing = useReferencesStore((s) => s.importing);
  if (results.length === 0 && !importing) return null;
  const count = (status: ReferenceImportResult['status']) =>
    results.filter((r) => r.status === status).length;
  return (
    <section className="import-results" aria-labelledby="import-results-title">
      <div className="import-results__head">
        <h2 className="editor__h3" id="import-results-title">
          {importing ? `Importing ${importing.done} of ${importing.total}…` : 'Import results'}
        </h2>
        <span className="import-results__summary" aria-live="polite">
          {count('imported')} imported · {count('duplicate')} duplicate · {count('refused')} refused
        </span>
        {!importing && (
          <Button
            size="sm"
            variant="ghost"
            icon="close"
            onClick={() => useReferencesStore.getState().clearResults()}
          >
            Dismiss
          </Button>
        )}
      </div>
      <ul className="import-results__list" aria-label="Import results">
        {results.map((result, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the same name can appear twice in a drop.
          <li key={index} className={`import-results__item is-${result.status}`}>
            <Badge tone={RESULT_TONE[result.status]}>{RESULT_LABEL[result.status]}</Badge>
            <span className="import-results__name">{result.name}</span>
            <span className="import-results__why">
              {result.status === 'refused'
                ? result.message
                : result.status === 'duplicate'
                  ? `already in the library as “${result.reference.name}”`
                  : `${result.reference.width}×${result.reference.height}`}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** What the card's badge says, for its accessible name. */
function cardFlag(checks: readonly ReferenceCheckRecord[]): string {
  if (checks.some((c) => c.result === 'fail')) return ', a check flagged it';
  if (checks.some((c) => c.result === 'not_run')) return ', a check could not run';
  return '';
}

/** The card's one badge: a failed check before one that could not run; nothing when all passed. */
function CheckBadge({ checks }: { checks: readonly ReferenceCheckRecord[] }) {
  const failed = checks.find((c) => c.result === 'fail');
  const notRun = checks.find((c) => c.result === 'not_run');
  const shown = failed ?? notRun;
  if (!shown) return null;
  const what = shown.check === 'nsfw' ? 'NSFW' : shown.check;
  return (
    <span className="ref-card__check" title={shown.reason ?? undefined}>
      <Badge tone={failed ? 'danger' : 'warning'} icon="alert">
        {failed ? `${what} flagged` : `${what} not run`}
      </Badge>
    </span>
  );
}

const ReferenceCard = memo(function ReferenceCard({
  reference,
  index,
  tabIndex,
  onFocus,
  boxWidth,
}: {
  reference: Reference;
  index: number;
  tabIndex: 0 | -1;
  onFocus: () => void;
  /** The square thumbnail's side in CSS pixels. */
  boxWidth: number;
}) {
  return (
    <button
      type="button"
      className="ref-card"
      data-index={index}
      tabIndex={tabIndex}
      aria-label={`${reference.name}, ${reference.width}×${reference.height}${cardFlag(reference.checks)}`}
      onFocus={onFocus}
      onClick={() => void useReferencesStore.getState().open(reference.id)}
    >
      <span className="ref-card__thumb">
        <img
          className="ref-card__img"
          {...thumbSources(
            reference.thumbPath,
            reference,
            coverWidth(boxWidth, 1, reference.width / reference.height),
          )}
          alt=""
          loading="lazy"
          decoding="async"
          draggable={false}
        />
        <CheckBadge checks={reference.checks} />
      </span>
      <span className="ref-card__body">
        <span className="ref-card__name">{reference.name}</span>
        <span className="ref-card__meta">
          {reference.width}×{reference.height}
          {reference.steers.length > 0 && ` · ${reference.steers.map((s) => STEER_LABEL[s]).join(', ')}`}
        </span>
      </span>
    </button>
  );
});

function ReferenceDetailDialog() {
  const openId = useReferencesStore((s) => s.openId);
  const detail = useReferencesStore((s) => s.detail);
  const error = useReferencesStore((s) => s.detailError);
  const { close, update, remove } = useReferencesStore.getState();
  const [tagDraft, setTagDraft] = useState('');
  const [name, setName] = useState('');
  useEffect(() => setName(detail?.name ?? ''), [detail?.name]);
  const go = useAppStore((s) => s.go);

  return (
    <Dialog open={openId !== null} onClose={close} labelledBy="ref-detail-title" className="ref-detail">
      <div className="ref-detail__layout">
        <div className="ref-detail__media">
          {detail ? (
            <img className="ref-detail__img" src={api.mediaUrl(detail.path)} alt={detail.name} />
          ) : (
            <Spinner size={20} />
          )}
        </div>
        <div className="ref-detail__side">
          <div className="ref-detail__head">
            <h2 className="dialog__title" id="ref-detail-title">
              {detail?.name ?? 'Reference'}
            </h2>
            <Button variant="ghost" size="sm" icon="close" aria-label="Close" onClick={close} />
          </div>
          {error && <ErrorCard compact error={readableError(error)} />}
          {detail && (
            <>
              <Button
                variant="primary"
                icon="image"
                onClick={() => {
                  send('generate.useReference', { path: detail.path, fromRunId: null });
                  close();
                  go('generate');
                }}
              >
                Use as reference
              </Button>
              <p className="muted">
                {detail.width}×{detail.height} · {detail.format.toUpperCase()} ·{' '}
                {Math.round(detail.bytes / 1024)} KB · imported {formatRelative(detail.createdAt)}. Providers
                get a copy without EXIF data.
              </p>
              <label className="field">
                <span className="field__label">Name</span>
                <input
                  className="input"
                  value={name}
                  maxLength={200}
                  onChange={(e) => setName(e.target.value)}
                  onBlur={() => {
                    if (name.trim() && name.trim() !== detail.name) void update({ name: name.trim() });
                  }}
                />
              </label>
              <FilterChips
                label="Steers"
                options={STEERS.map((s) => ({ value: s, label: STEER_LABEL[s] }))}
                selected={detail.steers}
                onToggle={(steer) =>
                  void update({
                    steers: detail.steers.includes(steer)
                      ? detail.steers.filter((s) => s !== steer)
                      : [...detail.steers, steer],
                  })
                }
              />
              <div className="field">
                <span className="field__label">Tags</span>
                <div className="ref-detail__tags">
                  {detail.tags.map((tag) => (
                    <TagPill
                      key={tag}
                      onRemove={() => void update({ tags: detail.tags.filter((t) => t !== tag) })}
                    >
                      {tag}
                    </TagPill>
                  ))}
                  <form
                    onSubmit={(e) => {
                      e.preventDefault();
                      const tag = tagDraft.trim().toLowerCase();
                      if (tag && !detail.tags.includes(tag)) void update({ tags: [...detail.tags, tag] });
                      setTagDraft('');
                    }}
                  >
                    <input
                      className="input input--sm"
                      aria-label="Add a tag"
                      placeholder="Add a tag"
                      maxLength={40}
                      value={tagDraft}
                      onChange={(e) => setTagDraft(e.target.value)}
                    />
                  </form>
                </div>
              </div>
              {detail.checks.length === 0 ? (
                <p className="muted">
                  Quality checks: not run yet. References are classified by the NSFW model after import while
                  NSFW runs on any route (Settings → Quality).
                </p>
              ) : (
                <QualityChecks title="Quality checks" checks={detail.checks} />
              )}
              <section aria-labelledby="used-in-title" className="ref-detail__used">
                <h3 className="editor__h3" id="used-in-title">
                  Used in
                </h3>
                {detail.usedIn.styles.length === 0 && detail.usedIn.runs.length === 0 && (
                  <p className="muted">Not used by any style or run yet.</p>
                )}
                <ul className="used-in" aria-label="Used in">
                  {detail.usedIn.styles.map((style) => (
                    <li key={`s${style.styleId}`}>
                      <Icon name="styles" size={12} /> {style.name}
                      {style.version !== null && <span className="muted"> · v{style.version}</span>}
                    </li>
                  ))}
                  {detail.usedIn.runs.map((run) => (
                    <li key={`r${run.runId}`}>
                      <button
                        type="button"
                        className="link"
                        onClick={() => {
                          close();
                          useAppStore.getState().openRun(run.runId);
                        }}
                      >
                        Run {run.runId}
                      </button>{' '}
                      <span className="muted">{run.prompt.slice(0, 60)}</span>
                    </li>
                  ))}
                </ul>
                {detail.usedIn.runsTotal > detail.usedIn.runs.length && (
                  <p className="muted">and {detail.usedIn.runsTotal - detail.usedIn.runs.length} more runs</p>
                )}
              </section>
              <div className="ref-detail__danger">
                <Button variant="danger" size="sm" icon="trash" onClick={() => void remove()}>
                  Delete reference
                </Button>
              </div>
            </>
          )}
        </div>
      </div>
    </Dialog>
  );
}

export function ReferencesView() {
  const items = useReferencesStore((s) => s.items);
  const total = useReferencesStore((s) => s.total);
  const status = useReferencesStore((s) => s.status);
  const error = useReferencesStore((s) => s.error);
  const query = useReferencesStore((s) => s.query);
  const steers = useReferencesStore((s) => s.steers);
  const tags = useReferencesStore((s) => s.tags);
  const tagCounts = useReferencesStore((s) => s.tagCounts);
  const steerCounts = useReferencesStore((s) => s.steerCounts);
  const importing = useReferencesStore((s) => s.importing);
  const nextBefore = useReferencesStore((s) => s.nextBefore);
  const { setQuery, toggleSteer, toggleTag, clearFilters, importFiles, load, loadTags, loadMore } =
    useReferencesStore.getState();
  const scrollRef = useRef<HTMLDivElement>(null);
  const filtered = query !== '' || steers.length > 0 || tags.length > 0;

  useEffect(() => {
    void load();
    void loadTags();
  }, [load, loadTags]);

  return (
    <div className="library">
      <header className="view-header">
        <div>
          <h1 className="view-title">References</h1>
          <p className="view-subtitle">
            {status === 'ready'
              ? `${total.toLocaleString()} ${filtered ? 'matching' : ''} ${total === 1 ? 'image' : 'images'}. Steer runs by composition, lighting, style or subject.`
              : 'Images that steer new runs.'}
          </p>
        </div>
      </header>
      <div
        className="library__scroll"
        ref={scrollRef}
        onScroll={(e) => {
          const el = e.currentTarget;
          if (nextBefore !== null && el.scrollTop + el.clientHeight > el.scrollHeight - 400) void loadMore();
        }}
      >
        <DropZone
          title="Drop images or folders here"
          hint="PNG, JPEG, WebP, AVIF, GIF or TIFF. Each file is checked, deduplicated by content and thumbnailed."
          busy={importing !== null}
          onFiles={(files) => void importFiles(files)}
        />
        <ImportResults />
        <search className="library__filters library__filters--inline" aria-label="Filter references">
          <div className="library__filter-row">
            <div className="search-box">
              <Icon name="references" size={14} className="search-box__icon" />
              <input
                type="search"
                className="input search-box__input"
                placeholder="Search by name"
                aria-label="Search references"
                value={query}
                onChange={(e) => setQuery(e.target.value)}
              />
            </div>
            <FilterChips
              label="Steers"
              options={STEERS.map((s) => ({ value: s, label: STEER_LABEL[s], count: steerCounts[s] ?? 0 }))}
              selected={steers}
              onToggle={toggleSteer}
            />
            {filtered && (
              <Button variant="ghost" size="sm" onClick={clearFilters}>
                Clear filters
              </Button>
            )}
          </div>
          {tagCounts.length > 0 && (
            <FilterChips
              label="Tags"
              options={tagCounts.slice(0, 20).map((t) => ({ value: t.tag, label: t.tag, count: t.count }))}
              selected={tags}
              onToggle={toggleTag}
            />
          )}
        </search>
        {status === 'error' && error && (
          <ErrorCard
            error={readableError(error)}
            actions={<Button onClick={() => void load()}>Try again</Button>}
          />
        )}
        {status === 'loading' && items.length === 0 && (
          <div className="history__loading">
            <Spinner size={20} /> Loading references…
          </div>
        )}
        {status === 'ready' && items.length === 0 && (
          <EmptyState icon="references" title={filtered ? 'No reference matches' : 'No references yet'}>
            <p>
              {filtered
                ? 'Try fewer filters.'
                : 'Drop images above. Tag each by what it steers, then use it as a reference in Generate.'}
            </p>
          </EmptyState>
        )}
        <VirtualGrid
          items={items}
          getKey={(r) => r.id}
          label="References"
          scrollRef={scrollRef}
          minCard={168}
          cardBody={52}
          renderCard={(reference, props) => <ReferenceCard reference={reference} {...props} />}
        />
      </div>
      <ReferenceDetailDialog />
    </div>
  );
}
