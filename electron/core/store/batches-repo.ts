import { z } from 'zod';
import {
  BatchCoords,
  type BatchCounts,
  type BatchItem,
  type BatchItemState,
  BatchSpec,
  type BatchState,
  type BatchSummary,
} from '../../../shared/batches-contract';
import type { Logger } from '../ports';
import type { LibraryDatabase } from './db';
import { createJsonColumns } from './json-column';

/** What a batch was started under: the item cap then, and the estimate it was allowed to start with. */
export const BatchSettingsSnapshot = z.object({
  maxItems: z.number(),
  estimateUsd: z.number().nullable(),
});
export type BatchSettingsSnapshot = z.infer<typeof BatchSettingsSnapshot>;

export interface BatchRow {
  id: number;
  name: string;
  kind: BatchSummary['kind'];
  spec: BatchSpec;
  state: BatchState;
  pausedReason: string | null;
  createdAt: number;
  finishedAt: number | null;
  settings: BatchSettingsSnapshot;
}

export interface NewBatch {
  name: string;
  kind: BatchSummary['kind'];
  spec: BatchSpec;
  settings: BatchSettingsSnapshot;
  items: ReadonlyArray<{ coords: BatchCoords }>;
  now: number;
}

/** Settled items' pace: how many, from the first start to the last finish. */
export interface BatchPace {
  settled: number;
  firstStartedAt: number | null;
  lastFinishedAt: number | null;
}

/** Batches and their items (the aggregate); `batch_runs` links every run a batch made to it. */
export interface BatchesRepo {
  /** The batch and every item (pending), in one transaction; returns the batch id. */
  create(batch: NewBatch): number;
  get(id: number): BatchRow | null;
  /** Newest first. */
  list(): BatchRow[];
  /** Batches in a state, oldest first. */
  withState(state: BatchState): BatchRow[];
  setState(id: number, state: BatchState, pausedReason: string | null, now: number): void;
  items(batchId: number): BatchItem[];
  item(batchId: number, index: number): BatchItem | null;
  /** The item whose current run this is. */
  itemOfRun(runId: number): BatchItem | null;
  /** Pending items in index order, at most `limit`. */
  pending(batchId: number, limit: number): BatchItem[];
  /** Items whose run is out (state running), every batch. */
  running(): BatchItem[];
  counts(batchId: number): BatchCounts;
  /**
   * Records that the item's run `runId` exists: running, one more attempt, the run linked to the batch.
   * Called inside the transaction that creates the run, so a crash leaves both or neither.
   */
  attachRun(batchId: number, index: number, runId: number, now: number): void;
  /** Ends an item's current run: succeeded, failed (the dead-letter list) or cancelled. */
  settle(
    batchId: number,
    index: number,
    state: Exclude<BatchItemState, 'pending' | 'running'>,
    error: { code: string; message: string } | null,
    now: number,
  ): void;
  /** A running item back to pending (its run sent nothing: no provider could run it now). */
  release(batchId: number, index: number): void;
  /** Failed items back to pending (all of them, or those named); returns the indexes changed. */
  requeueFailed(batchId: number, indexes: readonly number[] | 'all'): number[];
  /** Pending items end cancelled; returns how many. */
  cancelPending(batchId: number, now: number): number;
  /** Sum of the recorded cost of every run the batch made. */
  cost(batchId: number): number;
  pace(batchId: number): BatchPace;
}

interface BatchDbRow {
  id: number;
  name: string;
  kind: string;
  spec: string;
  state: BatchState;
  paused_reason: string | null;
  created_at: number;
  finished_at: number | null;
  settings: string;
}

interface ItemDbRow {
  batch_id: number;
  idx: number;
  coords: string;
  run_id: number | null;
  state: BatchItemState;
  attempts: number;
  error_code: string | null;
  error_details: string | null;
  started_at: number | null;
  finished_at: number | null;
  thumb_path: string | null;
}

const Kind = z.array(z.enum(['styles', 'matrix', 'aspectRatios', 'variants']));
const ErrorDetails = z.object({ message: z.string() });

export function createBatchesRepo(db: LibraryDatabase, log: Logger): BatchesRepo {
  const json = createJsonColumns(log);
  const BATCH_COLUMNS = 'id, name, kind, spec, state, paused_reason, created_at, finished_at, settings';
  // The thumbnail of the item's run's first live output (UNIQUE (run_id, idx) on outputs serves it).
  const ITEM_COLUMNS = `batch_id, idx, coords, run_id, state, attempts, error_code, error_details, started_at,
    finished_at, (SELECT o.thumb_path FROM outputs o WHERE o.run_id = batch_items.run_id AND o.deleted_at IS NULL
      ORDER BY o.idx LIMIT 1) AS thumb_path`;
  const insertBatch = db.prepare<[string, string, string, number, string]>(
    `INSERT INTO batches (name, kind, spec, state, created_at, settings) VALUES (?, ?, ?, 'running', ?, ?)`,
  );
  const insertItem = db.prepare<[number, number, string]>(
    `INSERT INTO batch_items (batch_id, idx, coords, state) VALUES (?, ?, ?, 'pending')`,
  );
  const selectBatch = db.prepare<[number], BatchDbRow>(`SELECT ${BATCH_COLUMNS} FROM batches WHERE id = ?`);
  const selectBatches = db.prepare<[], BatchDbRow>(`SELECT ${BATCH_COLUMNS} FROM batches ORDER BY id DESC`);
  const selectByState = db.prepare<[BatchState], BatchDbRow>(
    `SELECT ${BATCH_COLUMNS} FROM batches WHERE state = ? ORDER BY id`,
  );
  const updateState = db.prepare<[BatchState, string | null, number | null, number]>(
    'UPDATE batches SET state = ?, paused_reason = ?, finished_at = ? WHERE id = ?',
  );
  const selectItems = db.prepare<[number], ItemDbRow>(
    `SELECT ${ITEM_COLUMNS} FROM batch_items WHERE batch_id = ? ORDER BY idx`,
  );
  const selectItem = db.prepare<[number, number], ItemDbRow>(
    `SELECT ${ITEM_COLUMNS} FROM batch_items WHERE batch_id = ? AND idx = ?`,
  );
  const selectItemOfRun = db.prepare<[number], ItemDbRow>(
    `SELECT ${ITEM_COLUMNS} FROM batch_items WHERE run_id = ?`,
  );
  const selectPending = db.prepare<[number, number], ItemDbRow>(
    `SELECT ${ITEM_COLUMNS} FROM batch_items WHERE batch_id = ? AND state = 'pending' ORDER BY idx LIMIT ?`,
  );
  const selectRunning = db.prepare<[], ItemDbRow>(
    `SELECT ${ITEM_COLUMNS} FROM batch_items WHERE state = 'running' ORDER BY batch_id, idx`,
  );
  const selectCounts = db.prepare<[number], { state: BatchItemState; n: number }>(
    'SELECT state, count(*) AS n FROM batch_items WHERE batch_id = ? GROUP BY state',
  );
  const attach = db.prepare<[number, number, number, number]>(
    `UPDATE batch_items SET run_id = ?, state = 'running', attempts = attempts + 1, error_code = NULL,
       error_details = NULL, started_at = ?, finished_at = NULL WHERE batch_id = ? AND idx = ?`,
  );
  const linkRun = db.prepare<[number, number, number, number, number]>(
    `INSERT INTO batch_runs (run_id, batch_id, idx, coords)
     SELECT ?, ?, ?, coords FROM batch_items WHERE batch_id = ? AND idx = ?`,
  );
  const settle = db.prepare<[BatchItemState, string | null, string | null, number, number, number]>(
    `UPDATE batch_items SET state = ?, error_code = ?, error_details = ?, finished_at = ?
     WHERE batch_id = ? AND idx = ?`,
  );
  const requeueAll = db.prepare<[number], { idx: number }>(
    `UPDATE batch_items SET state = 'pending', finished_at = NULL WHERE batch_id = ? AND state = 'failed'
     RETURNING idx`,
  );
  const requeueOne = db.prepare<[number, number], { idx: number }>(
    `UPDATE batch_items SET state = 'pending', finished_at = NULL WHERE batch_id = ? AND idx = ? AND state = 'failed'
     RETURNING idx`,
  );
  const release = db.prepare<[number, number]>(
    `UPDATE batch_items SET state = 'pending', finished_at = NULL WHERE batch_id = ? AND idx = ? AND state = 'running'`,
  );
  const cancelPending = db.prepare<[number, number]>(
    `UPDATE batch_items SET state = 'cancelled', finished_at = ? WHERE batch_id = ? AND state = 'pending'`,
  );
  const selectCost = db
    .prepare<[number], number>(
      `SELECT coalesce(sum(r.cost_usd), 0) FROM batch_runs br JOIN runs r ON r.id = br.run_id WHERE br.batch_id = ?`,
    )
    .pluck();
  const selectPace = db.prepare<[number], { settled: number; first: number | null; last: number | null }>(
    `SELECT count(*) AS settled, min(started_at) AS first, max(finished_at) AS last FROM batch_items
     WHERE batch_id = ? AND state IN ('succeeded', 'failed') AND finished_at IS NOT NULL`,
  );

  function toBatch(row: BatchDbRow): BatchRow {
    const at = (column: string) => ({ table: 'batches', column, id: row.id });
    return {
      id: row.id,
      name: row.name,
      // The batch is run from its spec: a row that no longer parses stops here rather than run something else.
      kind: json.require(Kind, row.kind, at('kind')),
      spec: json.require(BatchSpec, row.spec, at('spec')),
      state: row.state,
      pausedReason: row.paused_reason,
      createdAt: row.created_at,
      finishedAt: row.finished_at,
      settings: json.require(BatchSettingsSnapshot, row.settings, at('settings')),
    };
  }

  function toItem(row: ItemDbRow): BatchItem {
    const at = (column: string) => ({ table: 'batch_items', column, id: `${row.batch_id}/${row.idx}` });
    const details =
      row.error_details === null
        ? null
        : json.readOr(ErrorDetails, row.error_details, at('error_details'), { message: '' });
    return {
      batchId: row.batch_id,
      index: row.idx,
      coords: json.require(BatchCoords, row.coords, at('coords')),
      runId: row.run_id,
      state: row.state,
      attempts: row.attempts,
      error: row.error_code === null ? null : { code: row.error_code, message: details?.message ?? '' },
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      thumbPath: row.thumb_path,
    };
  }

  const createAll = db.transaction((batch: NewBatch): number => {
    const id = Number(
      insertBatch.run(
        batch.name,
        JSON.stringify(batch.kind),
        JSON.stringify(batch.spec),
        batch.now,
        JSON.stringify(batch.settings),
      ).lastInsertRowid,
    );
    for (const [index, item] of batch.items.entries()) insertItem.run(id, index, JSON.stringify(item.coords));
    return id;
  });

  return {
    create: (batch) => createAll(batch),
    get(id) {
      const row = selectBatch.get(id);
      return row ? toBatch(row) : null;
    },
    list: () => selectBatches.all().map(toBatch),
    withState: (state) => selectByState.all(state).map(toBatch),
    setState(id, state, pausedReason, now) {
      const finished = state === 'done' || state === 'cancelled' ? now : null;
      updateState.run(state, pausedReason, finished, id);
    },
    items: (batchId) => selectItems.all(batchId).map(toItem),
    item(batchId, index) {
      const row = selectItem.get(batchId, index);
      return row ? toItem(row) : null;
    },
    itemOfRun(runId) {
      const row = selectItemOfRun.get(runId);
      return row ? toItem(row) : null;
    },
    pending: (batchId, limit) => selectPending.all(batchId, limit).map(toItem),
    running: () => selectRunning.all().map(toItem),
    counts(batchId) {
      const counts: BatchCounts = { total: 0, pending: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
      for (const { state, n } of selectCounts.all(batchId)) {
        counts[state] = n;
        counts.total += n;
      }
      return counts;
    },
    attachRun(batchId, index, runId, now) {
      attach.run(runId, now, batchId, index);
      linkRun.run(runId, batchId, index, batchId, index);
    },
    settle(batchId, index, state, error, now) {
      settle.run(
        state,
        error?.code ?? null,
        error ? JSON.stringify({ message: error.message }) : null,
        now,
        batchId,
        index,
      );
    },
    release: (batchId, index) => void release.run(batchId, index),
    requeueFailed: db.transaction((batchId: number, indexes: readonly number[] | 'all'): number[] => {
      if (indexes === 'all') return requeueAll.all(batchId).map((r) => r.idx);
      return indexes.flatMap((index) => requeueOne.all(batchId, index).map((r) => r.idx));
    }),
    cancelPending: (batchId, now) => cancelPending.run(now, batchId).changes,
    cost: (batchId) => selectCost.get(batchId) ?? 0,
    pace(batchId) {
      const row = selectPace.get(batchId);
      return {
        settled: row?.settled ?? 0,
        firstStartedAt: row?.first ?? null,
        lastFinishedAt: row?.last ?? null,
      };
    },
  };
}
