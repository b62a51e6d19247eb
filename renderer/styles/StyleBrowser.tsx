import { useMemo, useRef, useState } from 'react';
import type { PackImportReport } from '../../shared/library-contract';
import type { AppErrorShape } from '../../shared/result';
import { api } from '../api';
import {
  Button,
  Dialog,
  EmptyState,
  ErrorCard,
  FilterChips,
  Icon,
  Select,
  Spinner,
  VirtualGrid,
} from '../components';
import { readableError } from '../lib/errors';
import { fileToBase64 } from '../lib/files';
import { STATUS_LABEL, STATUSES } from './model';
import { StyleCard } from './StyleCard';
import { useStylesStore, visibleStyles } from './store';

const IMPORT_ACTION: Record<string, string> = {
  created: 'added as a new style',
  new_version: 'added as new versions of the style with that name',
  renamed: 'renamed: the name was taken by another style',
  unchanged: 'already here, unchanged',
};

function ImportPack() {
  const inputRef = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<PackImportReport | null>(null);
  const [error, setError] = useState<AppErrorShape | null>(null);

  async function onFile(file: File) {
    setBusy(true);
    setError(null);
    const result = await api.call('styles.importPack', {
      fileName: file.name,
      dataBase64: await fileToBase64(file),
    });
    setBusy(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setReport(result.value);
    void useStylesStore.getState().load();
  }

  return (
    <>
      <Button icon="arrowDown" busy={busy} onClick={() => inputRef.current?.click()}>
        Import pack
      </Button>
      <input
        ref={inputRef}
        type="file"
        hidden
        aria-label="Style pack file"
        onChange={(event) => {
          const file = event.target.files?.[0];
          event.target.value = '';
          if (file) void onFile(file);
        }}
      />
      <Dialog
        open={report !== null || error !== null}
        onClose={() => {
          setReport(null);
          setError(null);
        }}
        labelledBy="pack-report-title"
        className="pack-report"
      >
        <div className="pack-report__body">
          <h2 className="dialog__title" id="pack-report-title">
            {error ? 'The pack was not imported' : 'Style pack imported'}
          </h2>
          {error && <ErrorCard error={readableError(error)} />}
          {report && (
            <>
              <ul className="pack-report__list" aria-label="Imported styles">
                {report.styles.map((style) => (
                  <li key={`${style.packName}-${style.styleId}`}>
                    <Icon name={style.action === 'renamed' ? 'warning' : 'check'} size={14} />
                    <span>
                      <strong>{style.packName}</strong>
                      {style.name !== style.packName ? ` → ${style.name}` : ''}: {IMPORT_ACTION[style.action]}
                      {style.versionIds.length > 1 ? ` (${style.versionIds.length} versions)` : ''}
                    </span>
                  </li>
                ))}
                {report.templates.map((template) => (
                  <li key={`t-${template.templateId}`}>
                    <Icon name="check" size={14} />
                    <span>
                      Template <strong>{template.packName}</strong>
                      {template.name !== template.packName ? ` → ${template.name}` : ''}:{' '}
                      {IMPORT_ACTION[template.action]}
                    </span>
                  </li>
                ))}
              </ul>
              <p className="muted">
                {report.images} {report.images === 1 ? 'image' : 'images'} · {report.negativeGroups.length}{' '}
                negative {report.negativeGroups.length === 1 ? 'group' : 'groups'}
              </p>
              {report.warnings.length > 0 && (
                <ul className="notice notice--warning notice__list">
                  {report.warnings.map((warning) => (
                    <li key={warning}>{warning}</li>
                  ))}
                </ul>
              )}
            </>
          )}
          <div className="dialog__actions">
            <Button
              variant="primary"
              onClick={() => {
                setReport(null);
                setError(null);
              }}
            >
              Done
            </Button>
          </div>
        </div>
      </Dialog>
    </>
  );
}

export function StyleBrowser() {
  const items = useStylesStore((s) => s.items);
  const status = useStylesStore((s) => s.status);
  const error = useStylesStore((s) => s.error);
  const query = useStylesStore((s) => s.query);
  const tags = useStylesStore((s) => s.tags);
  const statusFilter = useStylesStore((s) => s.statusFilter);
  const owner = useStylesStore((s) => s.owner);
  const { setQuery, toggleTag, setStatusFilter, setOwner, clearFilters, open, openNew } =
    useStylesStore.getState();
  const scrollRef = useRef<HTMLDivElement>(null);

  const visible = useMemo(
    () => visibleStyles(items, { query, tags, statusFilter, owner }),
    [items, query, tags, statusFilter, owner],
  );
  // Facets from the held library, so the chips work with no network too.
  const facets = useMemo(() => {
    const tagCounts = new Map<string, number>();
    const owners = new Map<string, number>();
    for (const item of items) {
      for (const tag of item.tags) tagCounts.set(tag, (tagCounts.get(tag) ?? 0) + 1);
      if (item.owner) owners.set(item.owner, (owners.get(item.owner) ?? 0) + 1);
    }
    const topTags = [...tagCounts.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 14);
    for (const tag of tags)
      if (!topTags.some(([t]) => t === tag)) topTags.push([tag, tagCounts.get(tag) ?? 0]);
    return { tags: topTags, owners: [...owners.entries()].sort((a, b) => a[0].localeCompare(b[0])) };
  }, [items, tags]);
  const filtered = query !== '' || tags.length > 0 || statusFilter !== '' || owner !== '';

  return (
    <div className="library">
      <header className="view-header">
        <div>
          <h1 className="view-title">Styles</h1>
          <p className="view-subtitle">
            {status === 'ready'
              ? `${items.length.toLocaleString()} ${items.length === 1 ? 'style' : 'styles'}. Every save is a new version; runs keep the one they used.`
              : 'Your team’s looks, versioned and approved.'}
          </p>
        </div>
        <div className="view-header__actions">
          <ImportPack />
          <Button variant="primary" icon="plus" onClick={openNew}>
            New style
          </Button>
        </div>
      </header>

      <search className="library__filters" aria-label="Filter styles">
        <div className="library__filter-row">
          <div className="search-box">
            <Icon name="styles" size={14} className="search-box__icon" />
            <input
              type="search"
              className="input search-box__input"
              placeholder="Search by name or tag"
              aria-label="Search styles"
              value={query}
              onChange={(event) => setQuery(event.target.value)}
            />
          </div>
          <Select
            aria-label="Status"
            className="library__select"
            value={statusFilter}
            options={[
              { value: '', label: 'Any status' },
              ...STATUSES.map((s) => ({ value: s, label: STATUS_LABEL[s] })),
            ]}
            onChange={(event) => setStatusFilter(event.target.value as typeof statusFilter)}
          />
          <Select
            aria-label="Owner"
            className="library__select"
            value={owner}
            options={[
              { value: '', label: 'Any owner' },
              ...facets.owners.map(([o, count]) => ({ value: o, label: `${o} (${count})` })),
            ]}
            onChange={(event) => setOwner(event.target.value)}
          />
          {filtered && (
            <Button variant="ghost" size="sm" onClick={clearFilters}>
              Clear filters
            </Button>
          )}
          <span className="library__count" aria-live="polite">
            {filtered ? `${visible.length.toLocaleString()} shown` : ''}
          </span>
        </div>
        {facets.tags.length > 0 && (
          <FilterChips
            label="Tags"
            options={facets.tags.map(([tag, count]) => ({ value: tag, label: tag, count }))}
            selected={tags}
            onToggle={toggleTag}
          />
        )}
      </search>

      <div className="library__scroll" ref={scrollRef}>
        {status === 'error' && error && (
          <ErrorCard
            error={readableError(error)}
            actions={<Button onClick={() => void useStylesStore.getState().load()}>Try again</Button>}
          />
        )}
        {status === 'loading' && items.length === 0 && (
          <div className="history__loading">
            <Spinner size={20} /> Loading styles…
          </div>
        )}
        {status === 'ready' && items.length === 0 && (
          <EmptyState
            icon="styles"
            title="No styles yet"
            actions={
              <Button variant="primary" icon="plus" onClick={openNew}>
                New style
              </Button>
            }
          >
            <p>
              A style keeps a look: its tokens, negatives, defaults and a template, versioned and approved.
            </p>
          </EmptyState>
        )}
        {status === 'ready' && items.length > 0 && visible.length === 0 && (
          <EmptyState
            icon="styles"
            title="No style matches"
            actions={<Button onClick={clearFilters}>Clear filters</Button>}
          >
            <p>Try fewer words or tags.</p>
          </EmptyState>
        )}
        <VirtualGrid
          items={visible}
          getKey={(style) => style.id}
          label="Styles"
          scrollRef={scrollRef}
          minCard={188}
          cardBody={74}
          renderCard={(style, props) => (
            <StyleCard style={style} {...props} onOpen={() => void open(style.id)} />
          )}
        />
      </div>
    </div>
  );
}
