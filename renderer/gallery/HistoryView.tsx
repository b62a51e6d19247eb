import { useVirtualizer } from '@tanstack/react-virtual';
import { type KeyboardEvent, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useAppStore } from '../app/store';
import { Button, EmptyState, ErrorCard, Spinner } from '../components';
import { readableError } from '../lib/errors';
import { RunCard } from './RunCard';
import { useHistoryStore } from './store';

const GAP = 16;
const MIN_CARD = 196;
/** Height of the text under each thumbnail (prompt two lines + meta row). */
const CARD_BODY = 78;

export function HistoryView() {
  const items = useHistoryStore((s) => s.items);
  const status = useHistoryStore((s) => s.status);
  const total = useHistoryStore((s) => s.total);
  const nextBefore = useHistoryStore((s) => s.nextBefore);
  const loadingMore = useHistoryStore((s) => s.loadingMore);
  const error = useHistoryStore((s) => s.error);
  const focusIndex = useHistoryStore((s) => s.focusIndex);
  const setFocusIndex = useHistoryStore((s) => s.setFocusIndex);
  const go = useAppStore((s) => s.go);
  const openRun = useAppStore((s) => s.openRun);

  const scrollRef = useRef<HTMLDivElement>(null);
  const gridRef = useRef<HTMLDivElement>(null);
  const pendingFocus = useRef<number | null>(null);
  const [width, setWidth] = useState(0);

  useEffect(() => {
    void useHistoryStore.getState().loadFirst();
  }, []);

  useLayoutEffect(() => {
    const grid = gridRef.current;
    if (!grid) return;
    setWidth(grid.clientWidth);
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(entry.contentRect.width);
    });
    observer.observe(grid);
    return () => observer.disconnect();
  }, []);

  const columns = Math.max(1, Math.floor((width + GAP) / (MIN_CARD + GAP)));
  const cardWidth = width > 0 ? (width - GAP * (columns - 1)) / columns : MIN_CARD;
  const rowHeight = Math.round(cardWidth + CARD_BODY + GAP);
  const rowCount = Math.ceil(items.length / columns);

  const virtualizer = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 3,
    // Room for the focus ring of a card scrolled to the edge.
    paddingStart: 6,
    scrollPaddingStart: 6,
    scrollPaddingEnd: 6,
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: row geometry changes when the width does.
  useEffect(() => {
    virtualizer.measure();
  }, [rowHeight, columns, virtualizer]);

  const virtualRows = virtualizer.getVirtualItems();
  const lastVisibleRow = virtualRows.at(-1)?.index ?? -1;

  // Infinite scroll: ask for the next page as the last rows come into view.
  useEffect(() => {
    if (nextBefore !== null && !loadingMore && status === 'ready' && lastVisibleRow >= rowCount - 3) {
      void useHistoryStore.getState().loadMore();
    }
  }, [lastVisibleRow, rowCount, nextBefore, loadingMore, status]);

  // Arrow-key focus may target a card that is not rendered yet; focus it once it is.
  useEffect(() => {
    if (pendingFocus.current === null) return;
    const card = gridRef.current?.querySelector<HTMLElement>(`[data-index="${pendingFocus.current}"]`);
    if (card) {
      card.focus();
      pendingFocus.current = null;
    }
  });

  const firstRendered = (virtualRows[0]?.index ?? 0) * columns;
  const lastRendered = Math.min(items.length - 1, ((virtualRows.at(-1)?.index ?? 0) + 1) * columns - 1);
  const tabbable = focusIndex >= firstRendered && focusIndex <= lastRendered ? focusIndex : firstRendered;

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (items.length === 0 || event.altKey || event.metaKey || event.ctrlKey) return;
    const current = Math.min(focusIndex, items.length - 1);
    const moves: Record<string, number> = {
      ArrowRight: current + 1,
      ArrowLeft: current - 1,
      ArrowDown: current + columns,
      ArrowUp: current - columns,
      Home: 0,
      End: items.length - 1,
      PageDown: current + columns * 3,
      PageUp: current - columns * 3,
    };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    const next = Math.max(0, Math.min(items.length - 1, target));
    pendingFocus.current = next;
    setFocusIndex(next);
    virtualizer.scrollToIndex(Math.floor(next / columns), { align: 'auto' });
    gridRef.current?.querySelector<HTMLElement>(`[data-index="${next}"]`)?.focus();
  }

  return (
    <div className="history">
      <header className="view-header">
        <div>
          <h1 className="view-title">History</h1>
          <p className="view-subtitle">
            {status === 'ready'
              ? total === 0
                ? 'Every run you make is kept here.'
                : `${total.toLocaleString()} ${total === 1 ? 'run' : 'runs'}, newest first. Arrow keys move, Enter opens.`
              : 'Every run, newest first.'}
          </p>
        </div>
      </header>

      <div className="history__scroll" ref={scrollRef}>
        {status === 'error' && error && (
          <ErrorCard
            error={readableError(error)}
            actions={<Button onClick={() => void useHistoryStore.getState().loadFirst()}>Try again</Button>}
          />
        )}
        {status === 'loading' && items.length === 0 && (
          <div className="history__loading">
            <Spinner size={20} /> Loading runs…
          </div>
        )}
        {status === 'ready' && items.length === 0 && (
          <EmptyState
            icon="history"
            title="No runs yet"
            actions={
              <Button variant="primary" icon="generate" onClick={() => go('generate')}>
                Start generating
              </Button>
            }
          >
            <p>Each generation lands here with its prompt, seed, provider, cost and every attempt it took.</p>
          </EmptyState>
        )}
        <section
          className="history__grid"
          ref={gridRef}
          aria-label="Runs"
          onKeyDown={onKeyDown}
          style={{ height: `${virtualizer.getTotalSize()}px` }}
        >
          {virtualRows.map((row) => {
            const start = row.index * columns;
            const rowItems = items.slice(start, start + columns);
            return (
              <div
                key={row.key}
                className="history__row"
                style={{
                  transform: `translateY(${row.start}px)`,
                  height: `${rowHeight - GAP}px`,
                  gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
                  gap: `${GAP}px`,
                }}
              >
                {rowItems.map((run, offset) => {
                  const index = start + offset;
                  return (
                    <RunCard
                      key={run.id}
                      run={run}
                      index={index}
                      tabbable={index === tabbable}
                      onOpen={() => openRun(run.id)}
                      onFocus={() => setFocusIndex(index)}
                    />
                  );
                })}
              </div>
            );
          })}
        </section>
        {loadingMore && (
          <div className="history__more">
            <Spinner size={16} /> Loading older runs…
          </div>
        )}
        {status === 'ready' && error && items.length > 0 && (
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
    </div>
  );
}
