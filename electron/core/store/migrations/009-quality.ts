import type { Migration } from './migration';

/**
 * The automated quality gate. `quality_checks` holds one row per output and check (size, blank, duplicate,
 * nsfw, text): its result (pass, fail, or not_run when the check could not run — a model missing), the score
 * and threshold it was judged by, the check's own version, the reason a designer reads, and details as JSON
 * (the earlier output a near-duplicate matches, expected and read text, category scores). `output_hashes`
 * keeps each output's and reference's 64-bit perceptual hash (as 16 hex digits) so the near-duplicate index is
 * rebuilt from here at start. `outputs.quality_flag` is the number of failed or not-run checks the review
 * queue shows (0 when every check passed or none ran yet); the queue shows an output's reasons from it.
 */
export const qualitySchema: Migration = {
  version: 9,
  name: 'quality gate: checks, perceptual hashes',
  up(db) {
    db.exec(`
      CREATE TABLE quality_checks (
        output_id INTEGER NOT NULL REFERENCES outputs (id) ON DELETE CASCADE,
        "check" TEXT NOT NULL CHECK ("check" IN ('size', 'blank', 'duplicate', 'nsfw', 'text')),
        result TEXT NOT NULL CHECK (result IN ('pass', 'fail', 'not_run')),
        score REAL,
        threshold REAL,
        check_version TEXT NOT NULL,
        reason TEXT,
        details TEXT NOT NULL DEFAULT '{}', -- JSON object
        checked_at INTEGER NOT NULL,
        PRIMARY KEY (output_id, "check")
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX quality_checks_flagged ON quality_checks (output_id) WHERE result <> 'pass';

      CREATE TABLE output_hashes (
        output_id INTEGER PRIMARY KEY REFERENCES outputs (id) ON DELETE CASCADE,
        phash TEXT NOT NULL CHECK (length(phash) = 16)
      ) STRICT;
      CREATE TABLE reference_hashes (
        reference_id INTEGER PRIMARY KEY REFERENCES reference_images (id) ON DELETE CASCADE,
        phash TEXT NOT NULL CHECK (length(phash) = 16)
      ) STRICT;

      ALTER TABLE outputs ADD COLUMN quality_flag INTEGER NOT NULL DEFAULT 0;
    `);
  },
};
