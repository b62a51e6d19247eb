import type { Migration } from './migration';

/**
 * Reference images: one row per imported file (deduped by the sha256 of its bytes), the EXIF-stripped
 * copy sent to providers, steers and free tags; runs get an index on the reference path they used.
 */
export const referencesSchema: Migration = {
  version: 4,
  name: 'reference images',
  up(db) {
    db.exec(`
      CREATE TABLE reference_images (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE, -- of the bytes as imported: the dedupe key
        name TEXT NOT NULL,
        width INTEGER NOT NULL CHECK (width > 0),
        height INTEGER NOT NULL CHECK (height > 0),
        format TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        original_path TEXT NOT NULL, -- media/ab/<sha256>.<ext>, the file as imported
        thumb_path TEXT NOT NULL, -- thumbs/ab/<sha256>.webp
        stripped_path TEXT NOT NULL, -- references/ab/<sha256 of the copy>.<ext>: metadata removed, orientation applied
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE reference_tags (
        reference_id INTEGER NOT NULL REFERENCES reference_images (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('steer', 'free')),
        tag TEXT NOT NULL,
        PRIMARY KEY (reference_id, kind, tag)
      ) STRICT, WITHOUT ROWID;
      -- A tag filter walks this index newest first and joins the few rows a page needs.
      CREATE INDEX reference_tags_by_tag ON reference_tags (kind, tag, reference_id);

      -- "Used in": runs found by the reference path in their request, without scanning the history.
      CREATE INDEX runs_by_reference_path ON runs (json_extract(request, '$.reference.path'));
    `);
  },
};
