import type { Migration } from './migration';

/**
 * Export: alt text on outputs (drafted by a vision model or typed, then approved by someone), the crop nudge
 * an output keeps per export preset, and one row per export so progress survives a reload and an export cut
 * by a restart shows as interrupted (its staging folder is removed on the next start).
 */
export const exportSchema: Migration = {
  version: 12,
  name: 'export: alt text, crop nudges, exports',
  up(db) {
    db.exec(`
      CREATE TABLE output_alt_text (
        output_id INTEGER PRIMARY KEY REFERENCES outputs (id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        source TEXT NOT NULL, -- 'manual' or 'provider:model' that drafted it
        approved_by TEXT,
        approved_at INTEGER, -- NULL while not approved
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE export_crops (
        output_id INTEGER NOT NULL REFERENCES outputs (id) ON DELETE CASCADE,
        preset_id TEXT NOT NULL,
        offset_x REAL NOT NULL CHECK (offset_x BETWEEN -1 AND 1),
        offset_y REAL NOT NULL CHECK (offset_y BETWEEN -1 AND 1),
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (output_id, preset_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE exports (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('running', 'done', 'cancelled', 'failed', 'interrupted')),
        folder TEXT NOT NULL,
        staging TEXT NOT NULL, -- the hidden folder inside \`folder\` that files are written to first
        options TEXT NOT NULL, -- JSON ExportOptions
        total INTEGER NOT NULL,
        done INTEGER NOT NULL DEFAULT 0,
        written INTEGER NOT NULL DEFAULT 0,
        skipped INTEGER NOT NULL DEFAULT 0,
        zip TEXT,
        error_code TEXT,
        error_message TEXT,
        started_at INTEGER NOT NULL,
        finished_at INTEGER
      ) STRICT;
      CREATE INDEX exports_running ON exports (state) WHERE state = 'running';
    `);
  },
};
