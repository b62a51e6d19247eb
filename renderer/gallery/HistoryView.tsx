import { useCallback, useEffect, useRef } from 'react';
import { Slot } from '../app/slots';
import { useAppStore } from '../app/store';
import { Button, EmptyState, ErrorCard, Spinner, VirtualGrid } from '../components';
import { readableError } from '../lib/errors';
import { RunCard } from './RunCard';
import { useHistoryStore } from './store';
import './gallery.css';

/** Height of a card's text: two lines of prompt, the rating and tags line, and the provider line. */
const RUN_CARD_BODY = 100;

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

  useEffect(() => {
    void useHistoryStore.getState().loadFirst();
  }, []);

  // Infinite scroll: ask for the next page as the last rows come into view.
  const onNearEnd = useCallback(() => {
    if (nextBefore !== null && !loadingMore && status === 'ready') void useHistoryStore.getState().loadMore();
  }, [nextBefore, loadingMore, status]);

  return (
    <div className="history-with-sidebar">
      <Slot name="history.sidebar" />
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
              <p>
                Each generation lands here with its prompt, seed, provider, cost and every attempt it took.
              </p>
            </EmptyState>
          )}
          <VirtualGrid
            items={items}
            getKey={(run) => run.id}
            label="Runs"
            scrollRef={scrollRef}
            cardBody={RUN_CARD_BODY}
            focusIndex={focusIndex}
            onFocusIndexChange={setFocusIndex}
            onNearEnd={onNearEnd}
            renderCard={(run, { index, tabIndex, onFocus }) => (
              <RunCard
                run={run}
                index={index}
                tabbable={tabIndex === 0}
                onOpen={() => openRun(run.id)}
                onFocus={onFocus}
              />
            )}
          />
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
    </div>
  );
}
