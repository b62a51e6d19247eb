import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../ports';
import type { LibraryDatabase } from './db';
import { createJsonColumns } from './json-column';

/** A style head: the latest version's listing fields, copied for the grid. */
export interface StyleRow {
  id: number;
  uid: string;
  name: string;
  owner: string;
  description: string;
  tags: string[];
  status: 'draft' | 'approved' | 'deprecated';
  deprecatedOn: string | null;
  latestVersionId: number;
  version: number;
  builtin: boolean;
  createdAt: number;
  updatedAt: number;
  cover: { thumbPath: string; width: number; height: number } | null;
}

export interface VersionRow {
  id: number;
  ownerId: number;
  version: number;
  createdAt: number;
  note: string;
  /** JSON text of the fields, parsed by the library service. */
  fields: string;
}

export interface TemplateRow {
  id: number;
  uid: string;
  name: string;
  description: string;
  latestVersionId: number;
  version: number;
  updatedAt: number;
}

export interface PreviewRow {
  runId: number | null;
  seed: number | null;
  provider: string | null;
  /** The model the run used; null for pack previews. */
  model: string | null;
  status: string;
  path: string | null;
  thumbPath: string | null;
  width: number | null;
  height: number | null;
}

export interface NegativeGroupRow {
  slug: string;
  artifact: string;
  label: string;
  terms: string[];
  builtin: boolean;
  updatedAt: number;
}

/** The listing fields saved with a style version. */
export interface StyleListing {
  name: string;
  owner: string;
  description: string;
  tags: readonly string[];
  status: 'draft' | 'approved' | 'deprecated';
  deprecatedOn: string | null;
}

export interface StyleQuery {
  /** Already tokenized words; each matches as a prefix. */
  words: readonly string[];
  tag?: string;
  status?: string;
  owner?: string;
  offset: number;
  limit: number;
}

export interface LibraryRepo {
  transaction<T>(fn: () => T): T;
  listStyles(query: StyleQuery): { rows: StyleRow[]; total: number };
  facets(): { tags: { tag: string; count: number }[]; owners: { owner: string; count: number }[] };
  style(id: number): StyleRow | null;
  styleByName(name: string): StyleRow | null;
  styleByUid(uid: string): StyleRow | null;
  /** Creates the head and its first version; returns both ids. */
  createStyle(
    listing: StyleListing,
    fields: string,
    opts: { now: number; note: string; builtin?: boolean; uid?: string },
  ): { id: number; versionId: number };
  /** Appends an immutable version and moves the head to it. */
  addStyleVersion(id: number, listing: StyleListing, fields: string, now: number, note: string): number;
  styleVersion(versionId: number): VersionRow | null;
  styleVersions(styleId: number): VersionRow[];
  previews(versionId: number): PreviewRow[];
  addPreview(
    versionId: number,
    preview: {
      runId: number | null;
      seed: number | null;
      provider: string | null;
      path?: string;
      thumbPath?: string;
      width?: number;
      height?: number;
    },
    now: number,
  ): void;

  templates(): TemplateRow[];
  template(id: number): TemplateRow | null;
  templateByName(name: string): TemplateRow | null;
  templateByUid(uid: string): TemplateRow | null;
  createTemplate(
    name: string,
    description: string,
    fields: string,
    opts: { now: number; note: string; uid?: string },
  ): { id: number; versionId: number };
  addTemplateVersion(
    id: number,
    name: string,
    description: string,
    fields: string,
    now: number,
    note: string,
  ): number;
  templateVersion(versionId: number): VersionRow | null;
  templateVersions(templateId: number): VersionRow[];

  negativeGroups(): NegativeGroupRow[];
  negativeGroup(slug: string): NegativeGroupRow | null;
  saveNegativeGroup(group: Omit<NegativeGroupRow, 'updatedAt'>, now: number): void;

  /** True the first time a starter key is claimed; false forever after. */
  claimSeed(key: string, now: number): boolean;
  /** Records on a run the exact versions it used, and keeps the library's run notes. */
  linkRun(
    runId: number,
    link: {
      styleVersionId: number | null;
      templateVersionId: number | null;
      warnings: readonly string[];
      /** The request as made (GenerationRequest), stored as JSON; null for none. */
      requested: unknown;
    },
  ): void;
  runLinks(runId: number): { styleVersionId: number | null; templateVersionId: number | null } | null;
  copyRunLink(fromRunId: number, toRunId: number): void;
}

interface StyleDbRow {
  id: number;
  uid: string;
  name: string;
  owner: string;
  description: string;
  tags: string;
  status: StyleRow['status'];
  deprecated_on: string | null;
  latest_version_id: number;
  version: number;
  builtin: number;
  created_at: number;
  updated_at: number;
  cover_thumb: string | null;
  cover_width: number | null;
  cover_height: number | null;
}

// The cover: the first finished preview of the latest version (a run's first output, or a pack image),
// looked up per listed row through style_previews_by_version so a page never scans every preview.
const STYLE_COLUMNS = `s.id, s.uid, s.name, s.owner, s.description, s.tags, s.status, s.deprecated_on,
  s.latest_version_id, s.version, s.builtin, s.created_at, s.updated_at,
  coalesce(cp.thumb_path, co.thumb_path) AS cover_thumb, coalesce(cp.width, co.width) AS cover_width,
  coalesce(cp.height, co.height) AS cover_height`;
const COVER_JOIN = `LEFT JOIN style_previews cp ON cp.id = (
    SELECT p.id FROM style_previews p LEFT JOIN outputs o ON o.run_id = p.run_id AND o.idx = 0
    WHERE p.version_id = s.latest_version_id AND coalesce(p.thumb_path, o.thumb_path) IS NOT NULL
    ORDER BY p.id LIMIT 1)
  LEFT JOIN outputs co ON co.run_id = cp.run_id AND co.idx = 0`;

const Strings = z.array(z.string());

function toStyle(row: StyleDbRow, tags: string[]): StyleRow {
  return {
    id: row.id,
    uid: row.uid,
    name: row.name,
    owner: row.owner,
    description: row.description,
    tags,
    status: row.status,
    deprecatedOn: row.deprecated_on,
    latestVersionId: row.latest_version_id,
    version: row.version,
    builtin: row.builtin === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    cover:
      row.cover_thumb === null
        ? null
        : { thumbPath: row.cover_thumb, width: row.cover_width ?? 0, height: row.cover_height ?? 0 },
  };
}

/** An FTS5 query where every word is a quoted prefix: user text never becomes query syntax. */
export function ftsQuery(words: readonly string[]): string {
  return words.map((w) => `"${w.replaceAll('"', '""')}"*`).join(' ');
}

/**
 * A row whose JSON column is refused is left as it is: lists skip it (their total still counts it), and a
 * read of that one row throws `StoredDataError`, so an edit never writes a default over what is stored.
 */
export function createLibraryRepo(db: LibraryDatabase, log: Logger): LibraryRepo {
  const json = createJsonColumns(log);
  const tagsAt = (id: number) => ({ table: 'styles', column: 'tags', id });
  const selectStyle = db.prepare<[number], StyleDbRow>(
    `SELECT ${STYLE_COLUMNS} FROM styles s ${COVER_JOIN} WHERE s.id = ?`,
  );
  const selectStyleByName = db.prepare<[string], { id: number }>('SELECT id FROM styles WHERE name_key = ?');
  const selectStyleByUid = db.prepare<[string], { id: number }>('SELECT id FROM styles WHERE uid = ?');
  const insertStyle = db.prepare<{
    uid: string;
    name: string;
    nameKey: string;
    builtin: number;
    now: number;
  }>(
    `INSERT INTO styles (uid, name, name_key, builtin, created_at, updated_at)
     VALUES (@uid, @name, @nameKey, @builtin, @now, @now)`,
  );
  const nextStyleVersion = db
    .prepare<[number], number>('SELECT coalesce(max(version), 0) + 1 FROM style_versions WHERE style_id = ?')
    .pluck();
  const insertStyleVersion = db.prepare<{
    styleId: number;
    version: number;
    now: number;
    note: string;
    fields: string;
  }>(
    `INSERT INTO style_versions (style_id, version, created_at, note, fields)
     VALUES (@styleId, @version, @now, @note, @fields)`,
  );
  const updateStyleHead = db.prepare<{
    id: number;
    name: string;
    nameKey: string;
    owner: string;
    description: string;
    tags: string;
    status: string;
    deprecatedOn: string | null;
    versionId: number;
    version: number;
    now: number;
  }>(
    `UPDATE styles SET name = @name, name_key = @nameKey, owner = @owner, description = @description,
       tags = @tags, status = @status, deprecated_on = @deprecatedOn, latest_version_id = @versionId,
       version = @version, updated_at = @now
     WHERE id = @id`,
  );
  const deleteTags = db.prepare<[number]>('DELETE FROM style_tags WHERE style_id = ?');
  const insertTag = db.prepare<[string, number]>(
    'INSERT OR IGNORE INTO style_tags (tag, style_id) VALUES (?, ?)',
  );
  const deleteFts = db.prepare<[number]>('DELETE FROM styles_fts WHERE rowid = ?');
  const insertFts = db.prepare<[number, string, string, string, string]>(
    'INSERT INTO styles_fts (rowid, name, description, tags, owner) VALUES (?, ?, ?, ?, ?)',
  );
  const selectStyleVersion = db.prepare<[number], VersionRow>(
    `SELECT id, style_id AS ownerId, version, created_at AS createdAt, note, fields
     FROM style_versions WHERE id = ?`,
  );
  const selectStyleVersions = db.prepare<[number], VersionRow>(
    `SELECT id, style_id AS ownerId, version, created_at AS createdAt, note, fields
     FROM style_versions WHERE style_id = ? ORDER BY version DESC`,
  );
  const selectPreviews = db.prepare<
    [number],
    {
      run_id: number | null;
      seed: number | null;
      provider: string | null;
      model: string | null;
      status: string | null;
      path: string | null;
      thumb_path: string | null;
      width: number | null;
      height: number | null;
    }
  >(
    `SELECT p.run_id, p.seed, coalesce(r.provider, p.provider) AS provider, r.model, r.status,
       coalesce(p.path, o.path) AS path, coalesce(p.thumb_path, o.thumb_path) AS thumb_path,
       coalesce(p.width, o.width) AS width, coalesce(p.height, o.height) AS height
     FROM style_previews p
     LEFT JOIN runs r ON r.id = p.run_id
     LEFT JOIN outputs o ON o.run_id = p.run_id AND o.idx = 0
     WHERE p.version_id = ? ORDER BY p.id`,
  );
  const insertPreview = db.prepare<{
    versionId: number;
    runId: number | null;
    seed: number | null;
    provider: string | null;
    path: string | null;
    thumbPath: string | null;
    width: number | null;
    height: number | null;
    now: number;
  }>(
    `INSERT INTO style_previews (version_id, run_id, seed, provider, path, thumb_path, width, height, created_at)
     VALUES (@versionId, @runId, @seed, @provider, @path, @thumbPath, @width, @height, @now)`,
  );

  const selectTemplates = db.prepare<[], TemplateRow>(
    `SELECT id, uid, name, description, latest_version_id AS latestVersionId, version, updated_at AS updatedAt
     FROM prompt_templates ORDER BY name_key`,
  );
  const selectTemplate = db.prepare<[number], TemplateRow>(
    `SELECT id, uid, name, description, latest_version_id AS latestVersionId, version, updated_at AS updatedAt
     FROM prompt_templates WHERE id = ?`,
  );
  const selectTemplateByName = db
    .prepare<[string], number>('SELECT id FROM prompt_templates WHERE name_key = ?')
    .pluck();
  const selectTemplateByUid = db
    .prepare<[string], number>('SELECT id FROM prompt_templates WHERE uid = ?')
    .pluck();
  const insertTemplate = db.prepare<{ uid: string; name: string; nameKey: string; now: number }>(
    `INSERT INTO prompt_templates (uid, name, name_key, created_at, updated_at)
     VALUES (@uid, @name, @nameKey, @now, @now)`,
  );
  const nextTemplateVersion = db
    .prepare<[number], number>(
      'SELECT coalesce(max(version), 0) + 1 FROM template_versions WHERE template_id = ?',
    )
    .pluck();
  const insertTemplateVersion = db.prepare<{
    templateId: number;
    version: number;
    now: number;
    note: string;
    fields: string;
  }>(
    `INSERT INTO template_versions (template_id, version, created_at, note, fields)
     VALUES (@templateId, @version, @now, @note, @fields)`,
  );
  const updateTemplateHead = db.prepare<{
    id: number;
    name: string;
    nameKey: string;
    description: string;
    versionId: number;
    version: number;
    now: number;
  }>(
    `UPDATE prompt_templates SET name = @name, name_key = @nameKey, description = @description,
       latest_version_id = @versionId, version = @version, updated_at = @now WHERE id = @id`,
  );
  const selectTemplateVersion = db.prepare<[number], VersionRow>(
    `SELECT id, template_id AS ownerId, version, created_at AS createdAt, note, fields
     FROM template_versions WHERE id = ?`,
  );
  const selectTemplateVersions = db.prepare<[number], VersionRow>(
    `SELECT id, template_id AS ownerId, version, created_at AS createdAt, note, fields
     FROM template_versions WHERE template_id = ? ORDER BY version DESC`,
  );

  type NegDb = {
    slug: string;
    artifact: string;
    label: string;
    terms: string;
    builtin: number;
    updated_at: number;
  };
  const toNegative = (row: NegDb, terms: string[]): NegativeGroupRow => ({
    slug: row.slug,
    artifact: row.artifact,
    label: row.label,
    terms,
    builtin: row.builtin === 1,
    updatedAt: row.updated_at,
  });
  const termsAt = (row: NegDb) => ({ table: 'negative_groups', column: 'terms', id: row.slug });
  const selectNegatives = db.prepare<[], NegDb>('SELECT * FROM negative_groups ORDER BY artifact, slug');
  const selectNegative = db.prepare<[string], NegDb>('SELECT * FROM negative_groups WHERE slug = ?');
  const upsertNegative = db.prepare<{
    slug: string;
    artifact: string;
    label: string;
    terms: string;
    builtin: number;
    now: number;
  }>(
    `INSERT INTO negative_groups (slug, artifact, label, terms, builtin, updated_at)
     VALUES (@slug, @artifact, @label, @terms, @builtin, @now)
     ON CONFLICT (slug) DO UPDATE SET artifact = excluded.artifact, label = excluded.label,
       terms = excluded.terms, updated_at = excluded.updated_at`,
  );
  const insertSeed = db.prepare<[string, number]>(
    'INSERT OR IGNORE INTO library_seeds (key, loaded_at) VALUES (?, ?)',
  );
  const updateRunLinks = db.prepare<{
    runId: number;
    styleVersionId: number | null;
    templateVersionId: number | null;
    warnings: string | null;
    requested: string | null;
  }>(
    `UPDATE runs SET style_version_id = @styleVersionId, template_version_id = @templateVersionId,
       library_warnings = coalesce(@warnings, library_warnings), requested = @requested
     WHERE id = @runId`,
  );
  const copyLink = db.prepare<[number, number]>(
    `UPDATE runs SET (style_version_id, template_version_id, library_warnings, requested) =
       (SELECT style_version_id, template_version_id, library_warnings, requested FROM runs WHERE id = ?)
     WHERE id = ?`,
  );
  const selectRunLinks = db.prepare<
    [number],
    { styleVersionId: number | null; templateVersionId: number | null }
  >(
    'SELECT style_version_id AS styleVersionId, template_version_id AS templateVersionId FROM runs WHERE id = ?',
  );

  function writeStyleHead(
    id: number,
    listing: StyleListing,
    versionId: number,
    version: number,
    now: number,
  ) {
    updateStyleHead.run({
      id,
      name: listing.name,
      nameKey: listing.name.toLowerCase(),
      owner: listing.owner,
      description: listing.description,
      tags: JSON.stringify(listing.tags),
      status: listing.status,
      deprecatedOn: listing.deprecatedOn,
      versionId,
      version,
      now,
    });
    deleteTags.run(id);
    for (const tag of listing.tags) insertTag.run(tag, id);
    deleteFts.run(id);
    insertFts.run(id, listing.name, listing.description, listing.tags.join(' '), listing.owner);
  }

  function addStyleVersion(
    id: number,
    listing: StyleListing,
    fields: string,
    now: number,
    note: string,
  ): number {
    const version = nextStyleVersion.get(id) ?? 1;
    const versionId = Number(
      insertStyleVersion.run({ styleId: id, version, now, note, fields }).lastInsertRowid,
    );
    writeStyleHead(id, listing, versionId, version, now);
    return versionId;
  }

  function addTemplateVersion(
    id: number,
    name: string,
    description: string,
    fields: string,
    now: number,
    note: string,
  ): number {
    const version = nextTemplateVersion.get(id) ?? 1;
    const versionId = Number(
      insertTemplateVersion.run({ templateId: id, version, now, note, fields }).lastInsertRowid,
    );
    updateTemplateHead.run({ id, name, nameKey: name.toLowerCase(), description, versionId, version, now });
    return versionId;
  }

  const style = (id: number): StyleRow | null => {
    const row = selectStyle.get(id);
    return row ? toStyle(row, json.require(Strings, row.tags, tagsAt(row.id))) : null;
  };
  const template = (id: number): TemplateRow | null => selectTemplate.get(id) ?? null;

  return {
    transaction: (fn) => db.transaction(fn)(),

    listStyles({ words, tag, status, owner, offset, limit }) {
      // Filters are fixed SQL fragments; values are always bound parameters.
      const where: string[] = [];
      const params: Record<string, string | number> = { offset, limit };
      if (words.length > 0) {
        where.push('s.id IN (SELECT rowid FROM styles_fts WHERE styles_fts MATCH @match)');
        params.match = ftsQuery(words);
      }
      if (tag !== undefined) {
        where.push('s.id IN (SELECT style_id FROM style_tags WHERE tag = @tag)');
        params.tag = tag.toLowerCase();
      }
      if (status !== undefined) {
        where.push('s.status = @status');
        params.status = status;
      }
      if (owner !== undefined) {
        where.push('s.owner = @owner COLLATE NOCASE');
        params.owner = owner;
      }
      const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
      const rows = db
        .prepare<Record<string, string | number>, StyleDbRow>(
          `SELECT ${STYLE_COLUMNS} FROM (
             SELECT * FROM styles s ${clause} ORDER BY s.updated_at DESC, s.id DESC LIMIT @limit OFFSET @offset
           ) s ${COVER_JOIN} ORDER BY s.updated_at DESC, s.id DESC`,
        )
        .all(params);
      const { offset: _o, limit: _l, ...countParams } = params;
      const total = db
        .prepare<Record<string, string | number>, number>(`SELECT count(*) FROM styles s ${clause}`)
        .pluck()
        .get(countParams);
      const listed = rows.flatMap((row) => {
        const tags = json.read(Strings, row.tags, tagsAt(row.id));
        return tags.ok ? [toStyle(row, tags.value)] : [];
      });
      return { rows: listed, total: total ?? 0 };
    },

    facets() {
      const tags = db
        .prepare<[], { tag: string; count: number }>(
          'SELECT tag, count(*) AS count FROM style_tags GROUP BY tag ORDER BY count DESC, tag',
        )
        .all();
      const owners = db
        .prepare<[], { owner: string; count: number }>(
          "SELECT owner, count(*) AS count FROM styles WHERE owner <> '' GROUP BY owner COLLATE NOCASE ORDER BY count DESC, owner",
        )
        .all();
      return { tags, owners };
    },

    style,
    styleByName(name) {
      const row = selectStyleByName.get(name.toLowerCase());
      return row ? style(row.id) : null;
    },
    styleByUid(uid) {
      const row = selectStyleByUid.get(uid);
      return row ? style(row.id) : null;
    },
    createStyle(listing, fields, { now, note, builtin, uid }) {
      const id = Number(
        insertStyle.run({
          uid: uid ?? randomUUID(),
          name: listing.name,
          nameKey: listing.name.toLowerCase(),
          builtin: builtin ? 1 : 0,
          now,
        }).lastInsertRowid,
      );
      const versionId = addStyleVersion(id, listing, fields, now, note);
      return { id, versionId };
    },
    addStyleVersion,
    styleVersion: (versionId) => selectStyleVersion.get(versionId) ?? null,
    styleVersions: (styleId) => selectStyleVersions.all(styleId),
    previews(versionId) {
      return selectPreviews.all(versionId).map((row) => ({
        runId: row.run_id,
        seed: row.seed,
        provider: row.provider,
        model: row.model,
        status: row.run_id === null ? 'imported' : (row.status ?? 'unknown'),
        path: row.path,
        thumbPath: row.thumb_path,
        width: row.width,
        height: row.height,
      }));
    },
    addPreview(versionId, preview, now) {
      insertPreview.run({
        versionId,
        runId: preview.runId,
        seed: preview.seed,
        provider: preview.provider,
        path: preview.path ?? null,
        thumbPath: preview.thumbPath ?? null,
        width: preview.width ?? null,
        height: preview.height ?? null,
        now,
      });
    },

    templates: () => selectTemplates.all(),
    template,
    templateByName(name) {
      const id = selectTemplateByName.get(name.toLowerCase());
      return id === undefined ? null : template(id);
    },
    templateByUid(uid) {
      const id = selectTemplateByUid.get(uid);
      return id === undefined ? null : template(id);
    },
    createTemplate(name, description, fields, { now, note, uid }) {
      const id = Number(
        insertTemplate.run({ uid: uid ?? randomUUID(), name, nameKey: name.toLowerCase(), now })
          .lastInsertRowid,
      );
      const versionId = addTemplateVersion(id, name, description, fields, now, note);
      return { id, versionId };
    },
    addTemplateVersion,
    templateVersion: (versionId) => selectTemplateVersion.get(versionId) ?? null,
    templateVersions: (templateId) => selectTemplateVersions.all(templateId),

    negativeGroups: () =>
      selectNegatives.all().flatMap((row) => {
        const terms = json.read(Strings, row.terms, termsAt(row));
        return terms.ok ? [toNegative(row, terms.value)] : [];
      }),
    negativeGroup(slug) {
      const row = selectNegative.get(slug);
      return row ? toNegative(row, json.require(Strings, row.terms, termsAt(row))) : null;
    },
    saveNegativeGroup(group, now) {
      upsertNegative.run({
        slug: group.slug,
        artifact: group.artifact,
        label: group.label,
        terms: JSON.stringify(group.terms),
        builtin: group.builtin ? 1 : 0,
        now,
      });
    },

    claimSeed: (key, now) => insertSeed.run(key, now).changes === 1,
    linkRun(runId, { styleVersionId, templateVersionId, warnings, requested }) {
      const merged = warnings.length > 0 ? JSON.stringify(warnings) : null;
      updateRunLinks.run({
        runId,
        styleVersionId,
        templateVersionId,
        warnings: merged,
        requested: requested == null ? null : JSON.stringify(requested),
      });
    },
    runLinks: (runId) => selectRunLinks.get(runId) ?? null,
    copyRunLink(fromRunId, toRunId) {
      copyLink.run(fromRunId, toRunId);
    },
  };
}
