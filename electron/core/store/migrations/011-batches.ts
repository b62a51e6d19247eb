import type { Migration } from './migration';

/**
 * Batches: one spec (variants × prompt matrix × aspect ratios × styles) expanded into numbered items, fed
 * through the persisted queue. `batches` keeps the spec and the settings it was started under (the item cap
 * and the estimate, so a later change of settings does not rewrite its history); `batch_items` one row per
 * item: its matrix coordinates, the run it has now (NULL until it is sent to the queue), its state, how many
 * runs it took and the last failure. `batch_runs` links every run a batch made (first tries and retries) to
 * the batch, so History's batch filter and each run's card find it after a retry replaced the item's run.
 */
export const batchesSchema: Migration = {
  version: 11,
  name: 'batches',
  up(db) {
    db.exec(`
      CREATE TABLE batches (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL, -- JSON array of the dimensions used: 'variants', 'matrix', 'aspectRatios', 'styles'
        spec TEXT NOT NULL, -- JSON BatchSpec, as started
        state TEXT NOT NULL CHECK (state IN ('running', 'paused', 'cancelled', 'done')),
        paused_reason TEXT,
        created_at INTEGER NOT NULL,
        finished_at INTEGER,
        settings TEXT NOT NULL -- JSON snapshot: item cap and estimate when it started
      ) STRICT;
      CREATE TABLE batch_items (
        batch_id INTEGER NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        coords TEXT NOT NULL, -- JSON object: dimension -> value
        run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
        attempts INTEGER NOT NULL DEFAULT 0,
        error_code TEXT,
        error_details TEXT, -- JSON { message, runId }
        started_at INTEGER,
        finished_at INTEGER,
        PRIMARY KEY (batch_id, idx)
      ) STRICT;
      CREATE INDEX batch_items_by_state ON batch_items (batch_id, state, idx);
      CREATE UNIQUE INDEX batch_items_by_run ON batch_items (run_id) WHERE run_id IS NOT NULL;
      CREATE TABLE batch_runs (
        run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        batch_id INTEGER NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        coords TEXT NOT NULL
      ) STRICT;
      CREATE INDEX batch_runs_by_batch ON batch_runs (batch_id, run_id);
    `);
  },
};
