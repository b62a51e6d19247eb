import type { Migration } from './migration';

/**
 * Runs imported from other tools (A1111/Forge, ComfyUI, InvokeAI, NovelAI, Fooocus, SwarmUI, Midjourney) and
 * from Atelier files made elsewhere. An imported run is a succeeded run with one output (the file as it came
 * in) and a `run_imports` row: its source, the file's content hash (the dedupe key: the same bytes never
 * import twice), every metadata field verbatim, and the parsed parameters (NULL for a plain image). Its
 * `runs.source` names the tool, so History filters and counts by source from the covering index; runs
 * generated here keep `source` NULL ("Atelier").
 */
export const importsSchema: Migration = {
  version: 8,
  name: 'runs imported from other tools',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN source TEXT CHECK (source IN ('a1111', 'comfyui', 'invokeai', 'novelai', 'fooocus',
        'swarmui', 'midjourney', 'atelier', 'plain'));
      CREATE TABLE run_imports (
        run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        source TEXT NOT NULL,
        sha256 TEXT NOT NULL UNIQUE, -- of the file as imported
        file_name TEXT NOT NULL,
        raw TEXT NOT NULL, -- JSON object: metadata field -> text, verbatim
        parameters TEXT, -- JSON ImportedParameters; NULL for a plain image
        imported_at INTEGER NOT NULL
      ) STRICT;

      -- The facet snapshot reads every filter column from this index; source joins them.
      DROP INDEX runs_filters;
      CREATE INDEX runs_filters ON runs (provider, model, status, task_type, best_rating, has_favorite, review_mask,
        has_reference, style_version_id, template_version_id, created_at, cost_usd, source, deleted_at);
      CREATE INDEX runs_by_source ON runs (source, id) WHERE source IS NOT NULL AND deleted_at IS NULL;
    `);
  },
};
