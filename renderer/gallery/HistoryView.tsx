import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { RunSummary } from '../../shared/domain';
import { api } from '../api';
import { type GallerySelection, onSelectionActions, selectionActionList, send } from '../app/actions';
import { useAppInfoStore } from '../app/app-info';
import { Slot } from '../app/slots';
import { useAppStore } from '../app/store';
import {
  Button,
  EmptyState,
  ErrorCard,
  ImageViewer,
  SegmentedControl,
  Spinner,
  type ViewerImage,
  VirtualGrid,
} from '../components';
import { readableError } from '../lib/errors';
import { filesFromDrop } from '../lib/files';
import { whenIdle } from '../lib/idle';
import { FilterBar } from './FilterBar';
import { activeFilterCount, useHistoryFilters } from './filters';
import { clampAspect, extendRows, type JustifiedRow, targetHeightFor } from './justify';
import { RunRow, RunTile } from './RunTile';
import {
  DENSITY_MAX,
  DENSITY_MIN,
  type GalleryMode,
  selectedCount,
  useGalleryPrefs,
  useSelection,
} from './selection';
import { type HistoryPages, runAt, useHistoryStore } from './store';
import { imageTarget, TrashQuestionBar, useTrashFlow } from './trash-flow';
import './gallery.css';

const GAP = 6;

/** Desktop: the file manager opens at the original; an error comes back as a sentence for the viewer. */
async function showInFolder(path: string): Promise<string | null> {
  const result = await api.call('media.showInFolder', { path });
  return result.ok ? null : readableError(result.error).title;
}

const LIST_ROW = 56;
/** Runs on each side of the open one that the viewer can step to without waiting. */
const VIEWER_WINDOW = 40;
/** Runs one trash request may take (the contract's limit). */
const TRASH_MAX = 500;

/** Rows of the justified grid, extended page by page and rebuilt only when the width, density or order change. */
function useJustifiedRows(aspects: number[], count: number, epoch: number, density: number) {
  const cache = useRef<{ key: string; rows: JustifiedRow[]; n: number }>({ key: '', rows: [], n: 0 });
  return useCallback(
    (width: number) => {
      // "Per row N" holds at the grid's own width (with or without the board sidebar), not at a nominal one.
      const options = { width, targetHeight: targetHeightFor(width, density, GAP), gap: GAP };
      const key = `${width}|${density}|${epoch}`;
      const c = cache.current;
      if (c.key !== key || count < c.n)
        cache.current = { key, rows: extendRows([], aspects, options), n: count };
      else if (count > c.n) cache.current = { key, rows: extendRows(c.rows, aspects, options), n: count };
      return cache.current.rows;
    },
    // `count` changes with every page, so the callback (and the grid) sees the new rows.
    [aspects, count, epoch, density],
  );
}

/**
 * The room of a header button whose feature loads once the page is idle (Slot's placeholder): invisible, so the
 * controls beside it do not jump when the button arrives.
 */
function Reserved({ label }: { label: string }) {
  return (
    <span className="slot-reserved" aria-hidden="true">
      <Button size="sm" variant="secondary" icon="download" tabIndex={-1}>
        {label}
      </Button>
    </span>
  );
}

/** One tile: a run, and which of its images (0 when grouped). */
interface Tile {
  run: RunSummary;
  output: number;
}

/**
 * The gallery's tiles over the known runs: one per run (grouped), or one per image (expanded). Extended
 * run by run as pages arrive; rebuilt when the order is.
 */
function useTiles(paged: HistoryPages, count: number, epoch: number, expanded: boolean) {
  const cache = useRef({
    key: '',
    n: 0,
    aspects: [] as number[],
    run: [] as number[],
    output: [] as number[],
  });
  return useMemo(() => {
    if (!expanded) return { aspects: paged.aspects, count, run: null, output: null };
    const key = `${epoch}`;
    if (cache.current.key !== key || count < cache.current.n)
      cache.current = { key, n: 0, aspects: [], run: [], output: [] };
    const c = cache.current;
    for (let i = c.n; i < count; i++) {
      for (let k = 0; k < (paged.counts[i] ?? 1); k++) {
        c.aspects.push(paged.aspects[i] ?? 1);
        c.run.push(i);
        c.output.push(k);
      }
    }
    c.n = count;
    return { aspects: c.aspects, count: c.aspects.length, run: c.run, output: c.output };
  }, [paged, count, epoch, expanded]);
}

/** Images of multi-image runs (for expanded tiles past the cover), fetched as their tiles appear. */
function useRunImages() {
  const [images, setImages] = useState<Map<number, { thumbPath: string; width: number; height: number }[]>>(
    () => new Map(),
  );
  const asked = useRef(new Set<number>());
  const want = useCallback((runId: number) => {
    if (asked.current.has(runId)) return;
    asked.current.add(runId);
    void api.call('runs.get', { id: runId }).then((result) => {
      if (!result.ok) {
        asked.current.delete(runId);
        return;
      }
      setImages((old) => {
        // Bounded: the oldest fetched runs go first.
        const next = new Map(old);
        if (next.size >= 300) next.delete(next.keys().next().value!);
        next.set(
          runId,
          result.value.outputs.filter((output) => output.deletedAt === null),
        );
        return next;
      });
    });
  }, []);
  return { images, want };
}

export function HistoryView() {
  const paged = useHistoryStore((s) => s.paged);
  const version = useHistoryStore((s) => s.version);
  const count = useHistoryStore((s) => s.count);
  const epoch = useHistoryStore((s) => s.epoch);
  const status = useHistoryStore((s) => s.status);
  const total = useHistoryStore((s) => s.total);
  const nextBefore = useHistoryStore((s) => s.nextBefore);
  const loadingMore = useHistoryStore((s) => s.loadingMore);
  const error = useHistoryStore((s) => s.error);
  const focusIndex = useHistoryStore((s) => s.focusIndex);
  const setFocusIndex = useHistoryStore((s) => s.setFocusIndex);
  const { density, mode, expanded, set: setPrefs } = useGalleryPrefs();
  const selection = useSelection();
  const go = useAppStore((s) => s.go);
  const openRun = useAppStore((s) => s.openRun);
  const [viewIndex, setViewIndex] = useState<number | null>(null);
  const trash = useTrashFlow();
  const canShowInFolder = useAppInfoStore((s) => s.info?.canShowInFolder ?? false);
  // Only the viewer's "Show in folder" needs it: asked once the first screen is up.
  useEffect(() => whenIdle(() => void useAppInfoStore.getState().load()), []);

  const scrollRef = useRef<HTMLDivElement>(null);
  const filtersVersion = useHistoryFilters((s) => s.version);
  const query = useHistoryFilters((s) => s.query);
  const filtered = query.text.trim() !== '' || activeFilterCount(query) > 0 || query.trash !== 'exclude';
  // A library with no run yet: nothing to filter, arrange or export, so the empty state speaks alone.
  const emptyLibrary = status === 'ready' && total === 0 && !filtered;

  useEffect(() => {
    void useHistoryStore.getState().loadFirst();
  }, []);
  // A changed view (search, filters, sort) starts from its first page; the first render already loaded it.
  const shownVersion = useRef(filtersVersion);
  useEffect(() => {
    if (shownVersion.current === filtersVersion) return;
    shownVersion.current = filtersVersion;
    scrollRef.current?.scrollTo({ top: 0 });
    void useHistoryStore.getState().reload();
  }, [filtersVersion]);

  // Infinite scroll: ask for the next page as the last rows come into view.
  const onNearEnd = useCallback(() => {
    if (nextBefore !== null && !loadingMore && status === 'ready') void useHistoryStore.getState().loadMore();
  }, [nextBefore, loadingMore, status]);

  const tiles = useTiles(paged, count, epoch, expanded && mode === 'grid');
  const runIndex = useCallback((tile: number) => (tiles.run ? (tiles.run[tile] ?? tile) : tile), [tiles]);
  const tileAt = useCallback(
    (index: number): Tile | null => {
      const run = runAt(paged, runIndex(index));
      return run ? { run, output: tiles.output ? tiles.output[index]! : 0 } : null;
    },
    [paged, runIndex, tiles],
  );
  const runImages = useRunImages();
  const onRangeChange = useCallback(
    (first: number, last: number) => {
      useHistoryStore.getState().showRange(runIndex(first), runIndex(last));
    },
    [runIndex],
  );
  const justifiedRows = useJustifiedRows(tiles.aspects, tiles.count, epoch + (tiles.run ? 0.5 : 0), density);
  const listRows = useCallback(
    () => Array.from({ length: count }, (_, i) => ({ start: i, end: i + 1, height: LIST_ROW })),
    [count],
  );

  // Read through a ref so `onSelect` stays the same function as pages arrive: the memoized tiles on screen
  // are then not re-rendered for each new page.
  const runIndexRef = useRef(runIndex);
  runIndexRef.current = runIndex;
  const onSelect = useCallback(
    (index: number, run: RunSummary, how: 'only' | 'toggle' | 'range') => {
      const runIndex = runIndexRef.current;
      setFocusIndex(index);
      const selecting = useSelection.getState();
      if (how === 'only' && selecting.ids.size === 0 && !selecting.all) {
        // Nothing selected: a click opens the run; Ctrl/Cmd-click or Shift-click start a selection.
        selecting.setAnchor(index);
        openRun(run.id);
        return;
      }
      // While selecting, a plain click adds or removes the run.
      selecting.click(index, run.id, how === 'only' ? 'toggle' : how, (from, to) => {
        const ids: number[] = [];
        const { paged: p } = useHistoryStore.getState();
        for (let i = from; i <= to; i++) {
          const r = runAt(p, runIndex(i));
          if (r && ids.at(-1) !== r.id) ids.push(r.id);
        }
        return ids;
      });
    },
    [setFocusIndex, openRun],
  );
  const onDetails = useCallback((run: RunSummary) => openRun(run.id), [openRun]);

  const actions = useSyncExternalStore(onSelectionActions, selectionActionList);
  const chosen = selectedCount(selection, total);
  const gallerySelection: GallerySelection = {
    runIds: [...selection.ids],
    allMatching: selection.all,
    total: chosen,
  };
  // "All matching" can reach far past what is loaded: trash takes runs picked one by one (at most 500).
  const trashable = !selection.all && selection.ids.size > 0 && selection.ids.size <= TRASH_MAX;
  function askTrashSelection() {
    if (!trashable) return;
    const runIds = [...selection.ids];
    const n = runIds.length;
    trash.ask(
      { runIds, outputIds: [] },
      `Move ${n === 1 ? 'this run' : `these ${n} runs`} to the trash? ${n === 1 ? 'It stays' : 'They stay'} in Trash for 30 days and can be restored.`,
      () => useSelection.getState().clear(),
    );
  }

  /** The History viewer shows each run's cover: that image goes (its run too when it is the last one). */
  async function trashShownImage(runId: number, images: number) {
    const run = await api.call('runs.get', { id: runId });
    if (!run.ok) return;
    const cover = run.value.outputs.find((output) => output.deletedAt === null);
    if (!cover) return;
    trash.move(imageTarget(runId, cover.id, images));
  }

  // The viewer steps through the gallery's order: the covered runs around the open one.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `paged` is mutated in place; `version` marks each change.
  const viewer = useMemo(() => {
    if (viewIndex === null) return null;
    const images: ViewerImage[] = [];
    const order: number[] = [];
    for (
      let i = Math.max(0, viewIndex - VIEWER_WINDOW);
      i < Math.min(count, viewIndex + VIEWER_WINDOW);
      i++
    ) {
      const run = runAt(paged, i);
      if (!run?.cover) continue;
      order.push(i);
      images.push({
        src: api.mediaUrl(run.cover.path),
        thumb: api.mediaUrl(run.cover.thumbPath),
        alt: run.prompt,
        width: run.cover.width,
        height: run.cover.height,
        caption: run.prompt,
        prompt: run.prompt,
        seed: run.seed,
        fileName: `atelier-run-${run.id}${/\.[a-z0-9]+$/.exec(run.cover.path)?.[0] ?? ''}`,
        ...(run.cover.outputId === undefined ? {} : { download: api.downloadUrl(run.cover.outputId) }),
        onShowInFolder: canShowInFolder ? () => showInFolder(run.cover!.path) : undefined,
      });
    }
    const at = order.indexOf(viewIndex);
    return { images, order, at: at === -1 ? null : at };
  }, [viewIndex, tileAt, tiles.count, runImages.images, version, canShowInFolder]);

  return (
    <div className="history-with-sidebar">
      <Slot name="history.sidebar" />
      {/* biome-ignore lint/a11y/noStaticElementInteractions: Esc clearing the selection anywhere in History. */}
      <div
        className="history"
        // Files or folders dropped anywhere on History are imported with whatever metadata they carry.
        onDragOver={(event) => {
          if (event.dataTransfer.types.includes('Files')) {
            event.preventDefault();
            event.dataTransfer.dropEffect = 'copy';
          }
        }}
        onDrop={(event) => {
          if (!event.dataTransfer.types.includes('Files')) return;
          event.preventDefault();
          void filesFromDrop(event.dataTransfer).then((files) => {
            if (files.length > 0) send('imports.files', { files });
          });
        }}
        onKeyDown={(event) => {
          if (event.key === 'Escape' && viewIndex === null && (selection.ids.size > 0 || selection.all)) {
            event.preventDefault();
            selection.clear();
          }
          // Delete asks before moving the selected runs to the trash (never while typing in a field).
          const typing =
            event.target instanceof HTMLElement && /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName);
          if (event.key === 'Delete' && viewIndex === null && !typing && trashable && !trash.question) {
            event.preventDefault();
            askTrashSelection();
          }
        }}
      >
        <header className="view-header history__header">
          <div className="history__intro">
            <h1 className="view-title">History</h1>
            <p className="view-subtitle">
              {status === 'ready'
                ? total === 0
                  ? filtered
                    ? 'No run matches this search.'
                    : 'Every run you make is kept here.'
                  : `${total.toLocaleString()} ${total === 1 ? 'run' : 'runs'}${filtered ? ' match' : ''}. Click opens a run, Ctrl-click or Shift-click selects, Enter views full size.`
                : 'Every run, newest first.'}
            </p>
          </div>
          <div className="gallery-controls">
            <Slot name="history.actions" placeholder={<Reserved label="Import…" />} />
            {!emptyLibrary && (
              <Slot
                name="history.export"
                placeholder={<Reserved label="Export…" />}
                selection={selectedOutputIds(paged, selection.ids)}
                history={filtered ? query : null}
                boardId={query.boards.length === 1 ? (query.boards[0] ?? null) : null}
              />
            )}
            <label className="gallery-density" hidden={mode !== 'grid' || emptyLibrary}>
              <span>Per row</span>
              <input
                type="range"
                min={DENSITY_MIN}
                max={DENSITY_MAX}
                step={1}
                value={density}
                aria-label="Images per row"
                onChange={(event) => setPrefs({ density: Number(event.target.value) })}
              />
              <output>{density}</output>
            </label>
            <label className="gallery-expand" hidden={mode !== 'grid' || emptyLibrary}>
              <input
                type="checkbox"
                checked={expanded}
                onChange={(event) => setPrefs({ expanded: event.target.checked })}
              />
              Every image
            </label>
            {!emptyLibrary && (
              <SegmentedControl<GalleryMode>
                label="Layout"
                value={mode}
                options={[
                  { value: 'grid', label: 'Grid' },
                  { value: 'list', label: 'List' },
                ]}
                onChange={(value) => setPrefs({ mode: value })}
              />
            )}
          </div>
        </header>
        {!emptyLibrary && <FilterBar />}

        {chosen > 0 && (
          <div className="selection-bar" role="toolbar" aria-label="Selection">
            <span className="selection-bar__count" data-testid="selection-count">
              {chosen.toLocaleString()} selected{selection.all ? ' (all matching)' : ''}
            </span>
            {!selection.all && total > chosen && (
              <Button size="sm" variant="ghost" onClick={selection.selectAll}>
                Select all {total.toLocaleString()}
              </Button>
            )}
            <span className="selection-bar__actions">
              <Button
                size="sm"
                icon="trash"
                disabled={!trashable}
                title={
                  trashable
                    ? 'Move the selected runs to the trash (Delete)'
                    : selection.all
                      ? 'Select runs one by one to trash them'
                      : `At most ${TRASH_MAX} runs at a time`
                }
                onClick={askTrashSelection}
              >
                Move to trash
              </Button>
              {actions.map((action) => (
                <Button
                  key={action.id}
                  size="sm"
                  disabled={action.enabled ? !action.enabled(gallerySelection) : false}
                  onClick={() => action.run(gallerySelection)}
                >
                  {action.label}
                </Button>
              ))}
            </span>
            <Button size="sm" variant="ghost" onClick={selection.clear}>
              Clear (Esc)
            </Button>
          </div>
        )}

        {viewIndex === null && <TrashQuestionBar flow={trash} />}

        {mode === 'list' && count > 0 && (
          <div className="gallery-list__head" aria-hidden="true">
            {['', 'Prompt', 'Provider', 'Model', 'Seed', 'Rating', 'Cost', 'Date'].map((name, i) => (
              <span key={name || i}>{name}</span>
            ))}
          </div>
        )}
        <div className="history__scroll" ref={scrollRef}>
          {status === 'error' && error && (
            <ErrorCard
              error={readableError(error)}
              actions={<Button onClick={() => void useHistoryStore.getState().loadFirst()}>Try again</Button>}
            />
          )}
          {status === 'loading' && count === 0 && (
            <div className="history__loading">
              <Spinner size={20} /> Loading runs…
            </div>
          )}
          {status === 'ready' && count === 0 && filtered && (
            <EmptyState icon="history" title="Nothing matches">
              <p>Try fewer words or clear a filter.</p>
            </EmptyState>
          )}
          {status === 'ready' && count === 0 && !filtered && (
            <EmptyState
              icon="history"
              title="No runs yet"
              actions={
                <Button variant="primary" icon="generate" onClick={() => go('generate')}>
                  Start generating
                </Button>
              }
            >
              <p>
                Each generation lands here with its prompt, seed, provider, cost and every attempt it took.
                Images made in other tools (A1111, ComfyUI, InvokeAI, Midjourney…) come in with Import….
              </p>
            </EmptyState>
          )}
          <VirtualGrid<Tile>
            key={mode}
            items={[]}
            getKey={(tile) => `${tile.run.id}-${tile.output}`}
            label="Runs"
            className={mode === 'list' ? 'gallery-list' : 'gallery-grid'}
            scrollRef={scrollRef}
            cardBody={0}
            gap={mode === 'list' ? 0 : GAP}
            overscan={1}
            focusIndex={focusIndex}
            onFocusIndexChange={setFocusIndex}
            onNearEnd={onNearEnd}
            onRangeChange={onRangeChange}
            justified={{
              count: mode === 'list' ? count : tiles.count,
              itemAt: tileAt,
              rows: mode === 'list' ? listRows : justifiedRows,
              widthOf: (index, height) =>
                mode === 'list' ? -1 : Math.floor(clampAspect(tiles.aspects[index] ?? 1) * height),
            }}
            renderPlaceholder={() => <span className="thumb-placeholder gallery-tile__pending" />}
            renderCard={({ run, output }, { index, tabIndex, onFocus, visible, boxWidth, boxHeight }) => {
              if (output > 0) runImages.want(run.id);
              const props = {
                run,
                index,
                tabbable: tabIndex === 0,
                selected: selection.all || selection.ids.has(run.id),
                onSelect,
                onView: setViewIndex,
                onDetails,
                onFocus,
                visible,
                output,
                grouped: !tiles.run,
                image: output > 0 ? (runImages.images.get(run.id)?.[output] ?? null) : undefined,
                boxWidth,
                boxHeight,
              };
              return mode === 'list' ? <RunRow {...props} /> : <RunTile {...props} />;
            }}
          />
          {loadingMore && (
            <div className="history__more">
              <Spinner size={16} /> Loading older runs…
            </div>
          )}
          {status === 'ready' && error && count > 0 && (
            <div className="history__more">
              <ErrorCard
                compact
                error={readableError(error)}
                actions={
                  <Button size="sm" onClick={() => void useHistoryStore.getState().loadMore()}>
                    Try again
                  </Button>
                }
              />
            </div>
          )}
        </div>
        {viewer && (
          <ImageViewer
            images={viewer.images}
            index={viewer.at}
            onIndexChange={(at) => {
              const index = viewer.order[at];
              if (index === undefined) return;
              setViewIndex(index);
              setFocusIndex(index);
            }}
            onClose={() => {
              setViewIndex(null);
              trash.cancel();
            }}
            banner={trash.question || trash.error ? <TrashQuestionBar flow={trash} /> : null}
            actions={(at) => {
              const run = runAt(paged, viewer.order[at] ?? -1);
              return run ? (
                <Button
                  variant="ghost"
                  size="sm"
                  icon="trash"
                  aria-label="Move this image to trash"
                  title={
                    run.outputsCount > 1
                      ? "Move this image to the trash (the run's other images stay)"
                      : 'Move this image, and with it the run, to the trash'
                  }
                  onClick={() => void trashShownImage(run.id, run.outputsCount)}
                />
              ) : null;
            }}
          />
        )}
      </div>
    </div>
  );
}

/** The loaded selected runs' first live images: what Export takes as "the selection". */
function selectedOutputIds(paged: HistoryPages, runIds: ReadonlySet<number>): number[] {
  if (runIds.size === 0) return [];
  const out: number[] = [];
  for (const page of paged.pages) {
    for (const run of page?.items ?? []) {
      if (runIds.has(run.id) && run.cover?.outputId !== undefined) out.push(run.cover.outputId);
    }
  }
  return out;
}
