import type { Migration } from './migration';

/**
 * The quality gate's checks on imported reference images: one row per reference and check (today only
 * `nsfw`, with the thresholds of Settings → Quality), shaped like `quality_checks` — the result (pass, fail,
 * or not_run when the model could not run), score, threshold, the check's version, the reason a designer
 * reads and details as JSON (per-category scores, the cause of a check not run).
 */
export const referenceChecksSchema: Migration = {
  version: 13,
  name: 'quality checks of reference images',
  up(db) {
    db.exec(`
      CREATE TABLE reference_checks (
        reference_id INTEGER NOT NULL REFERENCES reference_images (id) ON DELETE CASCADE,
        "check" TEXT NOT NULL CHECK ("check" IN ('nsfw')),
        result TEXT NOT NULL CHECK (result IN ('pass', 'fail', 'not_run')),
        score REAL,
        threshold REAL,
        check_version TEXT NOT NULL,
        reason TEXT,
        details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)), -- JSON object
        checked_at INTEGER NOT NULL,
        PRIMARY KEY (reference_id, "check")
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
