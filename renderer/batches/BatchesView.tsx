// The Batches screen: every batch with its state, progress, cost so far and ETA; pause, resume, cancel;
// the open batch's dead-letter list (failed items with their reasons) with retry one, several or all;
// "Open in History" shows the runs it made.

import './batches.css';
import { useEffect, useState } from 'react';
import { coordsLabel } from '../../shared/batch-coords';
import type { BatchItem, BatchSummary } from '../../shared/batches-contract';
import { api } from '../api';
import { send } from '../app/actions';
import { useAppStore } from '../app/store';
import { Badge, type BadgeTone, Button, Checkbox, EmptyState, ErrorCard, ProgressBar } from '../components';
import { errorLabel, readableError } from '../lib/errors';
import { formatCost, formatDuration, formatRelative } from '../lib/format';
import { useBatchesStore } from './store';

const STATE_TONE: Record<BatchSummary['state'], BadgeTone> = {
  running: 'info',
  paused: 'warning',
  cancelled: 'neutral',
  done: 'success',
};
const STATE_LABEL: Record<BatchSummary['state'], string> = {
  running: 'Running',
  paused: 'Paused',
  cancelled: 'Cancelled',
  done: 'Done',
};
const KIND_LABEL: Record<BatchSummary['kind'][number], string> = {
  styles: 'styles',
  matrix: 'prompt matrix',
  aspectRatios: 'aspect ratios',
  variants: 'variants',
};

export function BatchesView() {
  const status = useBatchesStore((s) => s.status);
  const batches = useBatchesStore((s) => s.batches);
  const error = useBatchesStore((s) => s.error);

  useEffect(() => {
    void useBatchesStore.getState().load();
  }, []);

  return (
    <div className="view batches">
      <header className="view-header">
        <div>
          <h1 className="view-title">Batches</h1>
          <p className="view-subtitle">
            Variants, prompt matrices, aspect ratios and styles of one request, run through the queue. Start
            one with <strong>Batch…</strong> on Generate.
          </p>
        </div>
      </header>
      {error && <ErrorCard compact error={readableError(error)} />}
      {status === 'ready' && batches.length === 0 && (
        <EmptyState icon="layers" title="No batches yet">
          On Generate, write a request and choose Batch… to multiply it.
        </EmptyState>
      )}
      <ul className="batches__list" aria-label="Batches">
        {batches.map((batch) => (
          <BatchRow key={batch.id} batch={batch} />
        ))}
      </ul>
    </div>
  );
}

function BatchRow({ batch }: { batch: BatchSummary }) {
  const openId = useBatchesStore((s) => s.openId);
  const open = openId === batch.id;
  const { counts } = batch;
  const act = (action: 'pause' | 'resume' | 'cancel') =>
    void useBatchesStore.getState().act(action, batch.id);
  const settled = counts.succeeded + counts.failed + counts.cancelled;
  return (
    <li className="batches__row" data-testid={`batch-${batch.id}`}>
      <div className="batches__head">
        <div className="batches__title">
          <strong>{batch.name || `Batch ${batch.id}`}</strong>
          <span className="muted">
            {' '}
            · Batch {batch.id} · {batch.kind.map((k) => KIND_LABEL[k]).join(' × ') || 'one item'} ·{' '}
            {formatRelative(batch.createdAt)}
          </span>
        </div>
        <Badge tone={STATE_TONE[batch.state]}>{STATE_LABEL[batch.state]}</Badge>
      </div>
      <ProgressBar value={Math.round(batch.progress * 100)} label={`Batch ${batch.id} progress`} />
      <p className="batches__facts" data-testid="batch-facts">
        <span>
          {settled} of {counts.total} settled
        </span>
        <span>{counts.succeeded} succeeded</span>
        {counts.failed > 0 && <span className="batches__failed">{counts.failed} failed</span>}
        {counts.running > 0 && <span>{counts.running} running</span>}
        {counts.cancelled > 0 && <span>{counts.cancelled} cancelled</span>}
        <span>
          cost so far {formatCost(batch.costUsd)}
          {batch.estimateUsd !== null ? ` of ≈ ${formatCost(batch.estimateUsd)}` : ''}
        </span>
        {batch.etaMs !== null && <span>about {formatDuration(batch.etaMs)} left</span>}
      </p>
      {batch.pausedReason && <p className="batches__reason">Paused: {batch.pausedReason}</p>}
      <div className="batches__actions">
        {batch.state === 'running' && (
          <Button size="sm" onClick={() => act('pause')}>
            Pause
          </Button>
        )}
        {batch.state === 'paused' && (
          <Button size="sm" onClick={() => act('resume')}>
            Resume
          </Button>
        )}
        {(batch.state === 'running' || batch.state === 'paused') && (
          <Button size="sm" variant="ghost" onClick={() => act('cancel')}>
            Cancel batch
          </Button>
        )}
        <Button
          size="sm"
          variant="ghost"
          onClick={() => {
            send('history.showBatch', { batchId: batch.id });
            useAppStore.getState().go('history');
          }}
        >
          Open in History
        </Button>
        {counts.succeeded > 0 && (
          <Button
            size="sm"
            variant="ghost"
            icon="download"
            onClick={() => {
              send('history.showBatch', { batchId: batch.id });
              useAppStore.getState().go('history');
              send('export.open', { history: { batches: [batch.id] } });
            }}
          >
            Export…
          </Button>
        )}
        <Button
          size="sm"
          variant="ghost"
          aria-expanded={open}
          onClick={() => void useBatchesStore.getState().open(open ? null : batch.id)}
        >
          {open ? 'Hide items' : counts.failed > 0 ? `Dead letters (${counts.failed})` : 'Items'}
        </Button>
      </div>
      {open && <Items batch={batch} />}
    </li>
  );
}

function Items({ batch }: { batch: BatchSummary }) {
  const items = useBatchesStore((s) => s.items);
  const [picked, setPicked] = useState<Set<number>>(new Set());
  const dead = items.filter((i) => i.state === 'failed');
  const retry = (indexes: number[] | 'all') => {
    setPicked(new Set());
    void useBatchesStore.getState().retry(batch.id, indexes);
  };
  const canRetry = batch.state !== 'cancelled';
  return (
    <div className="batches__items">
      <section aria-label="Dead-letter list">
        <div className="batches__dead-head">
          <h3>Dead-letter list</h3>
          {dead.length > 0 && canRetry && (
            <>
              <Button size="sm" disabled={picked.size === 0} onClick={() => retry([...picked])}>
                Retry selected ({picked.size})
              </Button>
              <Button size="sm" onClick={() => retry('all')}>
                Retry all
              </Button>
            </>
          )}
        </div>
        {dead.length === 0 ? (
          <p className="muted">No failed items.</p>
        ) : (
          <ul className="batches__dead">
            {dead.map((item) => (
              <li key={item.index} className="batches__dead-row" data-testid={`dead-${item.index}`}>
                {canRetry && (
                  <Checkbox
                    label={<span className="visually-hidden">Select item {item.index + 1}</span>}
                    checked={picked.has(item.index)}
                    onChange={(on) => {
                      const next = new Set(picked);
                      if (on) next.add(item.index);
                      else next.delete(item.index);
                      setPicked(next);
                    }}
                  />
                )}
                <span className="batches__item-name">
                  Item {item.index + 1} · {coordsLabel(item.coords)}
                </span>
                <span className="batches__why">
                  {item.error && <strong>{errorLabel(item.error.code)}.</strong>} {item.error?.message}
                </span>
                {canRetry && (
                  <Button size="sm" variant="ghost" onClick={() => retry([item.index])}>
                    Retry
                  </Button>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <details className="batches__all" open>
        <summary>Every item ({items.length})</summary>
        <ul className="batches__tiles">
          {items.map((item) => (
            <ItemTile key={item.index} item={item} />
          ))}
        </ul>
      </details>
    </div>
  );
}

const ITEM_STATE: Record<BatchItem['state'], string> = {
  pending: 'Waiting',
  running: 'Running',
  succeeded: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** One item: its image once it has one, else its state; its place in the product below. Opens its run. */
function ItemTile({ item }: { item: BatchItem }) {
  const where = `${item.index + 1} · ${coordsLabel(item.coords)}`;
  const runId = item.runId;
  return (
    <li className={`batches__tile batches__tile--${item.state}`}>
      <button
        type="button"
        className="batches__tile-image"
        disabled={runId === null}
        aria-label={`Item ${where}: ${ITEM_STATE[item.state]}`}
        onClick={() => runId !== null && useAppStore.getState().openRun(runId)}
      >
        {item.thumbPath ? (
          <img src={api.mediaUrl(item.thumbPath)} alt="" loading="lazy" />
        ) : (
          <span>{ITEM_STATE[item.state]}</span>
        )}
      </button>
      <span className="batches__tile-caption" title={where}>
        {where}
      </span>
    </li>
  );
}
