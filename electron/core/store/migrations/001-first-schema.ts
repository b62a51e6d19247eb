import type { Migration } from './migration';

/**
 * The first schema. Tables are STRICT so a wrongly typed value fails loudly instead of being stored as text.
 * Runs are listed newest first by `id` (the rowid B-tree), so the listing needs no extra index on `runs`.
 */
export const firstSchema: Migration = {
  version: 1,
  name: 'first schema',
  up(db) {
    db.exec(`
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL, -- JSON
        updated_at INTEGER NOT NULL
      ) STRICT;

      -- Metadata and the OS-sealed blob only; the plaintext key is never stored.
      CREATE TABLE provider_keys (
        provider TEXT PRIMARY KEY,
        last4 TEXT NOT NULL,
        sealed BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_test_ok INTEGER,
        last_test_outcome TEXT,
        last_test_message TEXT,
        last_test_at INTEGER
      ) STRICT;

      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        created_at INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        request TEXT NOT NULL, -- normalized GenerationRequest JSON
        prompt TEXT NOT NULL,
        negative_prompt TEXT NOT NULL DEFAULT '',
        provider TEXT NOT NULL, -- as requested
        model TEXT,
        seed INTEGER,
        count INTEGER NOT NULL,
        cost_usd REAL,
        started_at INTEGER,
        finished_at INTEGER,
        duration_ms INTEGER,
        error_code TEXT,
        error_message TEXT
      ) STRICT;
      -- Small rows make COUNT(*) cheap (SQLite counts the narrowest index) and serve status filters.
      CREATE INDEX runs_by_status ON runs (status);

      CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        request_sent TEXT NOT NULL, -- JSON, secrets removed
        outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'rate_limited', 'quota_exhausted', 'content_blocked',
          'auth_failed', 'invalid_request', 'unavailable', 'timeout', 'no_image', 'cancelled')),
        http_status INTEGER,
        provider_code TEXT,
        provider_message TEXT,
        retry_after_ms INTEGER,
        warnings TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
        started_at INTEGER NOT NULL,
        latency_ms INTEGER NOT NULL,
        cost_usd REAL,
        UNIQUE (run_id, ordinal)
      ) STRICT;

      CREATE TABLE outputs (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        attempt_id INTEGER REFERENCES attempts (id),
        idx INTEGER NOT NULL,
        path TEXT NOT NULL, -- relative to the data dir
        sha256 TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        format TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        thumb_path TEXT NOT NULL,
        UNIQUE (run_id, idx)
      ) STRICT;
      CREATE INDEX outputs_by_sha256 ON outputs (sha256);
      -- Without it, deleting a run scans every output once per cascaded attempt (foreign key check).
      CREATE INDEX outputs_by_attempt ON outputs (attempt_id);

      CREATE TABLE ratings (
        output_id INTEGER PRIMARY KEY REFERENCES outputs (id) ON DELETE CASCADE,
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE tags (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE
      ) STRICT;

      CREATE TABLE run_tags (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        tag_id INTEGER NOT NULL REFERENCES tags (id),
        PRIMARY KEY (run_id, tag_id)
      ) STRICT, WITHOUT ROWID;
      -- Serves "runs with tag X" and the foreign key check when a tag is deleted.
      CREATE INDEX run_tags_by_tag ON run_tags (tag_id);
    `);
  },
};
