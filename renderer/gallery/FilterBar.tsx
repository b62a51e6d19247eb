// History's search box, filters (each with its facet count) and sort. State lives in ./filters.

import { memo, useEffect, useRef, useState } from 'react';
import { TASK_TYPE_LABELS } from '../../shared/constants';
import type { ReviewStatus, RunStatus, TaskType } from '../../shared/domain';
import type { FacetCount, HistorySort, IdFacetCount } from '../../shared/history-contract';
import { IMPORT_SOURCE_NAMES, type ImportSource } from '../../shared/import-sources';
import { QUALITY_FILTER_LABELS, type QualityFilter } from '../../shared/quality-labels';
import { modelName, providerName, useCatalogStore } from '../app/catalog';
import { Button, Select, type SelectOption } from '../components';
import { STATUS_LABEL } from '../lib/format';
import { activeFilterCount, type ListFilter, useHistoryFilters } from './filters';
import { useGalleryPrefs } from './selection';
import { useHistoryStore } from './store';
import './filter-bar.css';

const TEXT_DELAY_MS = 250;
/** The filter selects' row, named by the fold button's aria-controls. */
const FILTERS_ID = 'history-filters';

const SORTS: Array<{ value: string; label: string; sort: HistorySort }> = [
  { value: 'date:desc', label: 'Newest first', sort: { key: 'date', dir: 'desc' } },
  { value: 'date:asc', label: 'Oldest first', sort: { key: 'date', dir: 'asc' } },
  { value: 'rating:desc', label: 'Highest rated', sort: { key: 'rating', dir: 'desc' } },
  { value: 'cost:desc', label: 'Most expensive', sort: { key: 'cost', dir: 'desc' } },
  { value: 'cost:asc', label: 'Cheapest', sort: { key: 'cost', dir: 'asc' } },
  { value: 'duration:desc', label: 'Slowest', sort: { key: 'duration', dir: 'desc' } },
  { value: 'duration:asc', label: 'Fastest', sort: { key: 'duration', dir: 'asc' } },
];

const REVIEW_LABEL: Record<ReviewStatus, string> = {
  pending: 'Pending review',
  approved: 'Approved',
  rejected: 'Rejected',
};

const withCount = (label: string, count: number | undefined) =>
  count === undefined ? label : `${label} (${count.toLocaleString()})`;

/** A select over one list filter: "Any …" plus each value the facets know, with its count. */
function ListSelect<K extends ListFilter>(props: {
  filter: K;
  label: string;
  anyLabel: string;
  options: Array<{ value: string; label: string; count: number }>;
  parse?: (value: string) => string | number;
}) {
  const selected = useHistoryFilters((s) => s.query[props.filter]);
  const choose = useHistoryFilters((s) => s.choose);
  const current = selected.length > 0 ? String(selected[0]) : '';
  const options: SelectOption[] = [{ value: '', label: props.anyLabel }];
  for (const option of props.options)
    options.push({ value: option.value, label: withCount(option.label, option.count) });
  if (current !== '' && !props.options.some((o) => o.value === current))
    options.push({ value: current, label: current });
  return (
    <div className="filter-bar__field">
      <span className="filter-bar__label">{props.label}</span>
      <Select
        aria-label={props.label}
        value={current}
        options={options}
        onChange={(event) => {
          const value = event.target.value;
          choose(props.filter, (value === '' ? null : (props.parse?.(value) ?? value)) as never);
        }}
      />
    </div>
  );
}

const byValue = (items: FacetCount[] | undefined, label: (value: string) => string) =>
  (items ?? []).map((item) => ({ value: item.value, label: label(item.value), count: item.count }));
const byId = (items: IdFacetCount[] | undefined) =>
  (items ?? []).map((item) => ({ value: String(item.id), label: item.name, count: item.count }));

/** The batch filter's chip: set from the Batches screen ("Open in History"), cleared here. */
const batchLabel = (ids: readonly number[]) =>
  ids.length === 1 ? `Batch ${ids[0]}` : `Batches ${ids.join(', ')}`;

/** Memoized: it takes no props, so History's re-render for each page of runs passes it by. */
export const FilterBar = memo(function FilterBar() {
  const query = useHistoryFilters((s) => s.query);
  const sort = useHistoryFilters((s) => s.sort);
  const version = useHistoryFilters((s) => s.version);
  const facets = useHistoryFilters((s) => s.facets);
  const patch = useHistoryFilters((s) => s.patch);
  const setSort = useHistoryFilters((s) => s.setSort);
  const clear = useHistoryFilters((s) => s.clear);
  const providers = useCatalogStore((s) => s.providers);
  // Folded, the bar is one row (search, what is set, sort) and the grid gets the height of the selects.
  const shown = useGalleryPrefs((s) => s.filters);
  const setPrefs = useGalleryPrefs((s) => s.set);
  const [text, setText] = useState(query.text);
  // The less used filters fold away; they stay open while one of them is set.
  const [more, setMore] = useState(
    () =>
      query.styles.length + query.templates.length + query.taskTypes.length > 0 ||
      query.usedReference !== null ||
      query.from !== null ||
      query.to !== null ||
      query.costMin !== null ||
      query.costMax !== null ||
      query.trash !== 'exclude',
  );

  // The box follows the query when it changes elsewhere (Clear, a reload).
  useEffect(() => setText(query.text), [query.text]);
  useEffect(() => {
    if (text === query.text) return;
    const timer = setTimeout(() => patch({ text }), TEXT_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text, query.text, patch]);
  // Counts follow every change of the view; on opening, only once the grid's first page is in (the first
  // thumbnails come before the counts beside the filters).
  const gridStarted = useHistoryStore((s) => s.status === 'ready' || s.status === 'error');
  const countedVersion = useRef<number | null>(null);
  useEffect(() => {
    if (countedVersion.current === version || (countedVersion.current === null && !gridStarted)) return;
    countedVersion.current = version;
    void useHistoryFilters.getState().loadFacets();
  }, [version, gridStarted]);

  const active = activeFilterCount(query);
  const sortValue = `${sort.key}:${sort.dir}`;
  const ratingCount = (stars: number) => facets?.ratings.find((r) => r.value === String(stars))?.count;
  // The batch chip and Clear: at the end of the filters, or in the search row while they are folded.
  const setNow = (
    <>
      {query.batches.length > 0 && (
        <Button
          size="sm"
          variant="secondary"
          icon="close"
          aria-label={`Stop showing only ${batchLabel(query.batches)}`}
          onClick={() => patch({ batches: [] })}
        >
          {batchLabel(query.batches)}
        </Button>
      )}
      {active > 0 && (
        <Button size="sm" variant="ghost" onClick={clear}>
          Clear {active === 1 ? 'the filter' : `${active} filters`}
        </Button>
      )}
    </>
  );

  return (
    <section className="filter-bar" aria-label="Search and filters">
      <div className="filter-bar__row">
        <input
          type="search"
          className="filter-bar__search"
          aria-label="Search prompts"
          placeholder='Search prompts: words, pre*, "exact phrase", -exclude'
          value={text}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter') patch({ text });
          }}
        />
        <Button
          size="sm"
          variant={shown ? 'ghost' : 'secondary'}
          icon="sliders"
          className="filter-bar__toggle"
          aria-expanded={shown}
          aria-controls={FILTERS_ID}
          title={shown ? 'Fold the filters away (the search and sort stay)' : 'Show the filters'}
          onClick={() => setPrefs({ filters: !shown })}
        >
          {shown ? 'Hide filters' : active > 0 ? `Filters (${active})` : 'Filters'}
        </Button>
        {!shown && setNow}
        <div className="filter-bar__field">
          <span className="filter-bar__label">Sort</span>
          <Select
            aria-label="Sort"
            value={sortValue}
            options={SORTS.map(({ value, label }) => ({ value, label }))}
            onChange={(event) => {
              const found = SORTS.find((s) => s.value === event.target.value);
              if (found) setSort(found.sort);
            }}
          />
        </div>
      </div>
      {shown && (
        <div className="filter-bar__row filter-bar__row--wrap" id={FILTERS_ID}>
          <ListSelect
            filter="providers"
            label="Provider"
            anyLabel="Any provider"
            options={byValue(facets?.providers, (id) => providerName(providers, id))}
          />
          <ListSelect
            filter="sources"
            label="Source"
            anyLabel="Any source"
            options={byValue(facets?.sources, (s) => IMPORT_SOURCE_NAMES[s as ImportSource] ?? s)}
          />
          <ListSelect
            filter="models"
            label="Model"
            anyLabel="Any model"
            options={(facets?.models ?? []).map((m) => ({
              value: m.value,
              label: modelName(providers, m.provider, m.value),
              count: m.count,
            }))}
          />
          <ListSelect
            filter="statuses"
            label="Status"
            anyLabel="Any status"
            options={byValue(facets?.statuses, (s) => STATUS_LABEL[s as RunStatus] ?? s)}
          />
          <ListSelect
            filter="review"
            label="Review"
            anyLabel="Any review"
            options={byValue(facets?.review, (r) => REVIEW_LABEL[r as ReviewStatus] ?? r)}
          />
          <ListSelect
            filter="checks"
            label="Checks"
            anyLabel="Any result"
            options={byValue(facets?.checks, (c) => QUALITY_FILTER_LABELS[c as QualityFilter] ?? c)}
          />
          <div className="filter-bar__field">
            <span className="filter-bar__label">Rating</span>
            <Select
              aria-label="Rating"
              value={String(query.minRating)}
              options={[
                { value: '0', label: 'Any rating' },
                ...[5, 4, 3, 2, 1].map((stars) => ({
                  value: String(stars),
                  label: withCount(
                    stars === 5 ? '★★★★★' : `${'★'.repeat(stars)} or more`,
                    ratingCount(stars),
                  ),
                })),
              ]}
              onChange={(event) => patch({ minRating: Number(event.target.value) })}
            />
          </div>
          <ListSelect
            filter="tags"
            label="Tag"
            anyLabel="Any tag"
            options={byValue(facets?.tags, (t) => t)}
          />
          <ListSelect
            filter="boards"
            label="Board"
            anyLabel="Any board"
            options={byId(facets?.boards)}
            parse={Number}
          />
          <label className="filter-bar__check">
            <input
              type="checkbox"
              checked={query.favorite}
              onChange={(event) => patch({ favorite: event.target.checked })}
            />
            {withCount('Favourites', facets?.favorite)}
          </label>
          <Button size="sm" variant="ghost" aria-expanded={more} onClick={() => setMore(!more)}>
            {more ? 'Fewer filters' : 'More filters'}
          </Button>
          {setNow}
        </div>
      )}
      {shown && more && (
        <div className="filter-bar__row filter-bar__row--wrap">
          <ListSelect
            filter="styles"
            label="Style"
            anyLabel="Any style"
            options={byId(facets?.styles)}
            parse={Number}
          />
          <ListSelect
            filter="templates"
            label="Template"
            anyLabel="Any template"
            options={byId(facets?.templates)}
            parse={Number}
          />
          <ListSelect
            filter="taskTypes"
            label="Task"
            anyLabel="Any task"
            options={byValue(facets?.taskTypes, (t) => TASK_TYPE_LABELS[t as TaskType] ?? t)}
          />
          <div className="filter-bar__field">
            <span className="filter-bar__label">Reference</span>
            <Select
              aria-label="Used a reference"
              value={query.usedReference === null ? '' : query.usedReference ? 'yes' : 'no'}
              options={[
                { value: '', label: 'With or without a reference' },
                {
                  value: 'yes',
                  label: withCount(
                    'Used a reference',
                    facets?.usedReference.find((r) => r.value === 'yes')?.count,
                  ),
                },
                {
                  value: 'no',
                  label: withCount(
                    'No reference',
                    facets?.usedReference.find((r) => r.value === 'no')?.count,
                  ),
                },
              ]}
              onChange={(event) =>
                patch({ usedReference: event.target.value === '' ? null : event.target.value === 'yes' })
              }
            />
          </div>
          <div className="filter-bar__field">
            <span className="filter-bar__label">From</span>
            <input
              type="date"
              aria-label="Made on or after"
              className="filter-bar__date"
              value={dayOf(query.from)}
              onChange={(event) => patch({ from: startOfDay(event.target.value) })}
            />
          </div>
          <div className="filter-bar__field">
            <span className="filter-bar__label">To</span>
            <input
              type="date"
              aria-label="Made on or before"
              className="filter-bar__date"
              value={dayOf(query.to === null ? null : query.to - 1)}
              onChange={(event) => {
                const start = startOfDay(event.target.value);
                patch({ to: start === null ? null : start + 86_400_000 });
              }}
            />
          </div>
          <div className="filter-bar__field">
            <span className="filter-bar__label">Cost $</span>
            <span className="filter-bar__range">
              <input
                type="number"
                min={0}
                step={0.01}
                aria-label="Cost at least (US dollars)"
                className="filter-bar__money"
                value={query.costMin ?? ''}
                onChange={(event) => patch({ costMin: money(event.target.value) })}
              />
              –
              <input
                type="number"
                min={0}
                step={0.01}
                aria-label="Cost at most (US dollars)"
                className="filter-bar__money"
                value={query.costMax ?? ''}
                onChange={(event) => patch({ costMax: money(event.target.value) })}
              />
            </span>
          </div>
          <div className="filter-bar__field">
            <span className="filter-bar__label">Trash</span>
            <Select
              aria-label="Trash"
              value={query.trash}
              options={[
                { value: 'exclude', label: 'Hide the trash' },
                { value: 'only', label: 'Trash only' },
                { value: 'include', label: 'Include the trash' },
              ]}
              onChange={(event) => patch({ trash: event.target.value as typeof query.trash })}
            />
          </div>
        </div>
      )}
    </section>
  );
});

/** yyyy-mm-dd of a local-time instant, for a date input. */
function dayOf(at: number | null): string {
  if (at === null) return '';
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function startOfDay(day: string): number | null {
  if (day === '') return null;
  const [y, m, d] = day.split('-').map(Number);
  if (!y || !m || !d) return null;
  return new Date(y, m - 1, d).getTime();
}

function money(text: string): number | null {
  if (text.trim() === '') return null;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 ? value : null;
}
