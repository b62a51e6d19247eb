import type { Migration } from './migration';

/*
 * A run's summary of its live (not trashed) outputs, kept on the run so History can filter and sort at
 * 100,000 runs from an index instead of aggregating outputs per row: the best rating (0 = none), whether
 * any output is a favourite, and which review states its outputs are in (bits: 1 pending, 2 approved,
 * 4 rejected). `SUM(DISTINCT …)` of distinct powers of two is their bitwise OR.
 */
const refreshRun = (runId: string) => `
  UPDATE runs SET
    best_rating = (SELECT coalesce(max(rt.rating), 0) FROM outputs o JOIN ratings rt ON rt.output_id = o.id
      WHERE o.run_id = ${runId} AND o.deleted_at IS NULL),
    has_favorite = EXISTS (SELECT 1 FROM outputs o
      WHERE o.run_id = ${runId} AND o.favorite = 1 AND o.deleted_at IS NULL),
    review_mask = (SELECT coalesce(sum(DISTINCT CASE o.review_status WHEN 'pending' THEN 1
        WHEN 'approved' THEN 2 ELSE 4 END), 0)
      FROM outputs o WHERE o.run_id = ${runId} AND o.deleted_at IS NULL)
  WHERE id = ${runId};`;

/**
 * History designers work from: prompt search (FTS5 over prompt and negative prompt, in step with `runs` by
 * triggers), favourites, review and trash on outputs, lineage and trash on runs, boards of outputs with a
 * baseline, and the indexes History's filters and sorts read.
 *
 * Outputs that exist before this step arrive `pending`: nobody has reviewed them, and approving them here
 * would invent an approval (with no time or sign-off reference) and push never-checked images to the top of
 * what export offers. The queue approves them in bulk in one keystroke if a designer trusts their history.
 */
export const historySchema: Migration = {
  // Reserved number 007 for issue 9; the integrator gives it its place in the sequence on merge.
  version: 7,
  name: 'history: search, boards, review, lineage and trash',
  up(db) {
    db.exec(`
      ALTER TABLE outputs ADD COLUMN favorite INTEGER NOT NULL DEFAULT 0 CHECK (favorite IN (0, 1));
      ALTER TABLE outputs ADD COLUMN review_status TEXT NOT NULL DEFAULT 'pending'
        CHECK (review_status IN ('pending', 'approved', 'rejected'));
      ALTER TABLE outputs ADD COLUMN reviewed_at INTEGER;
      ALTER TABLE outputs ADD COLUMN approval_ref TEXT; -- a brand or legal sign-off id, kept for audit
      ALTER TABLE outputs ADD COLUMN reject_reason TEXT; -- a failure-mode id from the catalog in resources/
      ALTER TABLE outputs ADD COLUMN reject_note TEXT;
      ALTER TABLE outputs ADD COLUMN deleted_at INTEGER; -- in the trash since; files kept 30 days
      -- The review queue walks pending outputs oldest first; trash purges walk by age.
      CREATE INDEX outputs_by_review ON outputs (review_status, id) WHERE deleted_at IS NULL;
      CREATE INDEX outputs_trashed ON outputs (deleted_at) WHERE deleted_at IS NOT NULL;

      ALTER TABLE runs ADD COLUMN parent_run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL;
      ALTER TABLE runs ADD COLUMN derivation TEXT CHECK (derivation IN ('reproduce', 'branch', 'reroll', 'vary'));
      ALTER TABLE runs ADD COLUMN deleted_at INTEGER;
      -- Kept by the triggers below (see refreshRun); never written by the app.
      ALTER TABLE runs ADD COLUMN best_rating INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE runs ADD COLUMN has_favorite INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE runs ADD COLUMN review_mask INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE runs ADD COLUMN has_reference INTEGER NOT NULL DEFAULT 0;

      -- Lineage: a run's children; the ON DELETE SET NULL check reads it too.
      CREATE INDEX runs_by_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;
      CREATE INDEX runs_trashed ON runs (deleted_at) WHERE deleted_at IS NOT NULL;
      CREATE INDEX runs_by_created ON runs (created_at) WHERE deleted_at IS NULL;
      -- Sorts (keyset pages: sort key, then id) and range filters, over live runs only. An unknown cost or
      -- duration sorts as -1 (below every real one), so a page boundary is one plain (key, id) comparison.
      CREATE INDEX runs_by_rating ON runs (best_rating, id) WHERE deleted_at IS NULL;
      CREATE INDEX runs_by_cost ON runs (ifnull(cost_usd, -1), id) WHERE deleted_at IS NULL;
      CREATE INDEX runs_by_duration ON runs (ifnull(duration_ms, -1), id) WHERE deleted_at IS NULL;
      CREATE INDEX runs_favorite ON runs (id) WHERE has_favorite = 1 AND deleted_at IS NULL;
      CREATE INDEX runs_by_template_version ON runs (template_version_id) WHERE template_version_id IS NOT NULL;
      -- Every column a filter or facet reads, deleted_at last (a partial index's own WHERE column is not
      -- readable from it, so it is a column here): counts and the facet snapshot never read the wide rows
      -- (the request JSON). Not led by deleted_at, so sorted pages keep to their own indexes.
      CREATE INDEX runs_filters ON runs (provider, model, status, task_type, best_rating, has_favorite, review_mask,
        has_reference, style_version_id, template_version_id, created_at, cost_usd, deleted_at);

      UPDATE runs SET has_reference = json_extract(request, '$.reference.path') IS NOT NULL;
      CREATE TRIGGER runs_reference_ai AFTER INSERT ON runs
      BEGIN
        UPDATE runs SET has_reference = json_extract(NEW.request, '$.reference.path') IS NOT NULL WHERE id = NEW.id;
      END;
      CREATE TRIGGER runs_reference_au AFTER UPDATE OF request ON runs
      BEGIN
        UPDATE runs SET has_reference = json_extract(NEW.request, '$.reference.path') IS NOT NULL WHERE id = NEW.id;
      END;

      CREATE TRIGGER outputs_summary_ai AFTER INSERT ON outputs
      BEGIN ${refreshRun('NEW.run_id')} END;
      CREATE TRIGGER outputs_summary_au AFTER UPDATE OF favorite, review_status, deleted_at, run_id ON outputs
      BEGIN ${refreshRun('NEW.run_id')} END;
      CREATE TRIGGER outputs_summary_ad AFTER DELETE ON outputs
      BEGIN ${refreshRun('OLD.run_id')} END;
      CREATE TRIGGER ratings_summary_ai AFTER INSERT ON ratings
      BEGIN ${refreshRun('(SELECT run_id FROM outputs WHERE id = NEW.output_id)')} END;
      CREATE TRIGGER ratings_summary_au AFTER UPDATE ON ratings
      BEGIN ${refreshRun('(SELECT run_id FROM outputs WHERE id = NEW.output_id)')} END;
      CREATE TRIGGER ratings_summary_ad AFTER DELETE ON ratings
      BEGIN ${refreshRun('(SELECT run_id FROM outputs WHERE id = OLD.output_id)')} END;
      ${refreshRun('runs.id')}

      -- Prompt search. External content: the text lives once, in runs; rowid = runs.id. Diacritics folded
      -- (cafe finds café), prefix indexes make "lig*" a lookup instead of a scan of the term list.
      CREATE VIRTUAL TABLE runs_fts USING fts5 (prompt, negative_prompt, content = 'runs', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
      CREATE TRIGGER runs_fts_ai AFTER INSERT ON runs
      BEGIN
        INSERT INTO runs_fts (rowid, prompt, negative_prompt) VALUES (NEW.id, NEW.prompt, NEW.negative_prompt);
      END;
      CREATE TRIGGER runs_fts_ad AFTER DELETE ON runs
      BEGIN
        INSERT INTO runs_fts (runs_fts, rowid, prompt, negative_prompt)
          VALUES ('delete', OLD.id, OLD.prompt, OLD.negative_prompt);
      END;
      CREATE TRIGGER runs_fts_au AFTER UPDATE OF prompt, negative_prompt ON runs
      BEGIN
        INSERT INTO runs_fts (runs_fts, rowid, prompt, negative_prompt)
          VALUES ('delete', OLD.id, OLD.prompt, OLD.negative_prompt);
        INSERT INTO runs_fts (rowid, prompt, negative_prompt) VALUES (NEW.id, NEW.prompt, NEW.negative_prompt);
      END;
      INSERT INTO runs_fts (runs_fts) VALUES ('rebuild');

      -- Named collections for a brief; outputs belong to many boards. A board may set one output as its
      -- baseline (trashing or deleting that output asks first; a purge clears it).
      CREATE TABLE boards (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        created_at INTEGER NOT NULL,
        baseline_output_id INTEGER REFERENCES outputs (id) ON DELETE SET NULL
      ) STRICT;
      CREATE INDEX boards_by_baseline ON boards (baseline_output_id) WHERE baseline_output_id IS NOT NULL;
      CREATE TABLE board_outputs (
        board_id INTEGER NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
        output_id INTEGER NOT NULL REFERENCES outputs (id) ON DELETE CASCADE,
        added_at INTEGER NOT NULL,
        PRIMARY KEY (board_id, output_id)
      ) STRICT, WITHOUT ROWID;
      -- An output's boards (badges on cards) and the cascade when an output is purged.
      CREATE INDEX board_outputs_by_output ON board_outputs (output_id);
    `);
  },
};
