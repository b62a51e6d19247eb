import type { Migration } from './migration';

/**
 * The style library: styles and prompt templates as heads over immutable versions (triggers refuse
 * edits), a negative library, preview links, an FTS5 index for instant search, the starter items
 * already loaded, and the exact style/template versions each run used.
 */
export const librarySchema: Migration = {
  version: 3,
  name: 'style library',
  up(db) {
    db.exec(`
      CREATE TABLE prompt_templates (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE, -- stable across installations (packs)
        name TEXT NOT NULL,
        name_key TEXT NOT NULL UNIQUE, -- lower(name): names are unique case-insensitively
        description TEXT NOT NULL DEFAULT '',
        latest_version_id INTEGER,
        version INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE template_versions (
        id INTEGER PRIMARY KEY,
        template_id INTEGER NOT NULL REFERENCES prompt_templates (id),
        version INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        fields TEXT NOT NULL, -- TemplateFields JSON
        UNIQUE (template_id, version)
      ) STRICT;
      CREATE TRIGGER template_versions_immutable BEFORE UPDATE ON template_versions
      BEGIN SELECT RAISE(ABORT, 'template versions are immutable'); END;
      CREATE TRIGGER template_versions_kept BEFORE DELETE ON template_versions
      BEGIN SELECT RAISE(ABORT, 'template versions are kept'); END;

      CREATE TABLE styles (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL UNIQUE,
        -- The latest version's listing fields, copied so the library grid reads one narrow row per style.
        owner TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'deprecated')),
        deprecated_on TEXT,
        latest_version_id INTEGER,
        version INTEGER NOT NULL DEFAULT 0,
        builtin INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX styles_by_updated ON styles (updated_at DESC, id DESC);
      CREATE INDEX styles_by_name ON styles (name_key);
      CREATE INDEX styles_by_status ON styles (status, updated_at DESC);
      CREATE INDEX styles_by_owner ON styles (owner COLLATE NOCASE, updated_at DESC);
      CREATE TABLE style_versions (
        id INTEGER PRIMARY KEY,
        style_id INTEGER NOT NULL REFERENCES styles (id),
        version INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        fields TEXT NOT NULL, -- StyleFields JSON
        UNIQUE (style_id, version)
      ) STRICT;
      CREATE TRIGGER style_versions_immutable BEFORE UPDATE ON style_versions
      BEGIN SELECT RAISE(ABORT, 'style versions are immutable'); END;
      CREATE TRIGGER style_versions_kept BEFORE DELETE ON style_versions
      BEGIN SELECT RAISE(ABORT, 'style versions are kept'); END;
      CREATE TABLE style_tags (
        tag TEXT NOT NULL,
        style_id INTEGER NOT NULL REFERENCES styles (id) ON DELETE CASCADE,
        PRIMARY KEY (tag, style_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX style_tags_by_style ON style_tags (style_id);
      -- Name, description, tags and owner of each style's latest version; rowid = styles.id.
      CREATE VIRTUAL TABLE styles_fts USING fts5 (name, description, tags, owner, tokenize = 'unicode61');

      -- Previews of a version: a run's outputs (run_id) or images that came in a pack (path).
      CREATE TABLE style_previews (
        id INTEGER PRIMARY KEY,
        version_id INTEGER NOT NULL REFERENCES style_versions (id),
        run_id INTEGER REFERENCES runs (id) ON DELETE CASCADE,
        seed INTEGER,
        provider TEXT,
        path TEXT,
        thumb_path TEXT,
        width INTEGER,
        height INTEGER,
        created_at INTEGER NOT NULL,
        CHECK (run_id IS NOT NULL OR path IS NOT NULL)
      ) STRICT;
      CREATE INDEX style_previews_by_version ON style_previews (version_id, id);

      CREATE TABLE negative_groups (
        slug TEXT PRIMARY KEY,
        artifact TEXT NOT NULL,
        label TEXT NOT NULL,
        terms TEXT NOT NULL, -- JSON array
        builtin INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
        updated_at INTEGER NOT NULL
      ) STRICT;

      -- Starter items already offered once: never loaded again, so user edits and deletions stand.
      CREATE TABLE library_seeds (
        key TEXT PRIMARY KEY,
        loaded_at INTEGER NOT NULL
      ) STRICT;

      ALTER TABLE runs ADD COLUMN style_version_id INTEGER REFERENCES style_versions (id);
      ALTER TABLE runs ADD COLUMN template_version_id INTEGER REFERENCES template_versions (id);
      -- JSON array: notes from rendering the style (e.g. deprecated), kept apart from the dispatcher's own.
      ALTER TABLE runs ADD COLUMN library_warnings TEXT NOT NULL DEFAULT '[]';
      CREATE INDEX runs_by_style_version ON runs (style_version_id) WHERE style_version_id IS NOT NULL;
    `);
  },
};
