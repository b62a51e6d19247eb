import type Database from 'better-sqlite3';
import type { RunStatus } from '../../../shared/domain';
import type { ReferenceCheckRecord } from '../../../shared/quality-contract';
import type { Reference, ReferenceRunUse, ReferenceSteer } from '../../../shared/references-contract';
import type { Logger } from '../ports';
import { CHECK_COLUMNS, type CheckColumns, checkRecord } from './check-rows';
import type { LibraryDatabase } from './db';
import { createJsonColumns } from './json-column';

/** A reference as it is inserted; the id and tags come separately. */
export interface NewReference {
  sha256: string;
  name: string;
  width: number;
  height: number;
  format: string;
  bytes: number;
  originalPath: string;
  thumbPath: string;
  strippedPath: string;
  createdAt: number;
}

export interface ReferenceFilter {
  /** Case-insensitive substring of the name. */
  query?: string;
  steers?: readonly ReferenceSteer[];
  tags?: readonly string[];
  orientation?: 'landscape' | 'portrait' | 'square';
  minWidth?: number;
  minHeight?: number;
  /** Keyset cursor: only ids below this one. */
  before?: number;
  limit: number;
}

export interface ReferencePage {
  items: Reference[];
  nextBefore: number | null;
  total: number;
}

export interface ReferencesRepo {
  findBySha(sha256: string): Reference | null;
  get(id: number): Reference | null;
  /** Inserts the row and its tags; throws SQLITE_CONSTRAINT_UNIQUE when the sha256 is already there. */
  insert(row: NewReference, steers: readonly ReferenceSteer[], tags: readonly string[]): Reference;
  list(filter: ReferenceFilter): ReferencePage;
  /** Null when there is no such reference. */
  update(
    id: number,
    change: { name?: string; steers?: readonly ReferenceSteer[]; tags?: readonly string[] },
  ): Reference | null;
  delete(id: number): boolean;
  tagCounts(): {
    steers: Array<{ steer: ReferenceSteer; count: number }>;
    tags: Array<{ tag: string; count: number }>;
  };
  /** Runs whose request.reference.path is one of `paths`, newest first. */
  runsUsing(paths: readonly string[], limit: number): { runs: ReferenceRunUse[]; total: number };
}

interface Row {
  id: number;
  sha256: string;
  name: string;
  width: number;
  height: number;
  format: string;
  bytes: number;
  original_path: string;
  thumb_path: string;
  stripped_path: string;
  created_at: number;
}

interface CheckRow extends CheckColumns {
  reference_id: number;
}

interface TagRow {
  reference_id: number;
  kind: 'steer' | 'free';
  tag: string;
}

const COLUMNS =
  'r.id, r.sha256, r.name, r.width, r.height, r.format, r.bytes, r.original_path, r.thumb_path, r.stripped_path, r.created_at';
const STEER_ORDER: Record<string, number> = { composition: 0, lighting: 1, style: 2, subject: 3 };

export function createReferencesRepo(db: LibraryDatabase, log: Logger): ReferencesRepo {
  const json = createJsonColumns(log);
  const selectBySha = db.prepare<[string], Row>(
    `SELECT ${COLUMNS} FROM reference_images r WHERE r.sha256 = ?`,
  );
  const selectById = db.prepare<[number], Row>(`SELECT ${COLUMNS} FROM reference_images r WHERE r.id = ?`);
  // One statement for a whole page: the ids travel as a JSON array.
  const selectTags = db.prepare<[string], TagRow>(
    'SELECT reference_id, kind, tag FROM reference_tags WHERE reference_id IN (SELECT value FROM json_each(?)) ORDER BY tag',
  );
  // The quality gate's checks of a page of references (written by store/quality-repo.ts).
  const selectChecks = db.prepare<[string], CheckRow>(
    `SELECT reference_id, ${CHECK_COLUMNS}
     FROM reference_checks WHERE reference_id IN (SELECT value FROM json_each(?)) ORDER BY "check"`,
  );
  const insertRow = db.prepare<NewReference>(
    `INSERT INTO reference_images (sha256, name, width, height, format, bytes, original_path, thumb_path,
       stripped_path, created_at)
     VALUES (@sha256, @name, @width, @height, @format, @bytes, @originalPath, @thumbPath, @strippedPath, @createdAt)`,
  );
  const insertTag = db.prepare<[number, string, string]>(
    'INSERT OR IGNORE INTO reference_tags (reference_id, kind, tag) VALUES (?, ?, ?)',
  );
  const clearTags = db.prepare<[number, string]>(
    'DELETE FROM reference_tags WHERE reference_id = ? AND kind = ?',
  );
  const rename = db.prepare<[string, number]>('UPDATE reference_images SET name = ? WHERE id = ?');
  const remove = db.prepare<[number]>('DELETE FROM reference_images WHERE id = ?');
  const countTags = db.prepare<[], { kind: 'steer' | 'free'; tag: string; count: number }>(
    'SELECT kind, tag, COUNT(*) AS count FROM reference_tags GROUP BY kind, tag ORDER BY count DESC, tag',
  );
  const REFERENCE_PATH = "json_extract(request, '$.reference.path')";
  const selectRuns = db.prepare<
    [string, number],
    { id: number; created_at: number; status: RunStatus; prompt: string }
  >(
    `SELECT id, created_at, status, prompt FROM runs
     WHERE ${REFERENCE_PATH} IN (SELECT value FROM json_each(?)) ORDER BY id DESC LIMIT ?`,
  );
  const countRuns = db
    .prepare<[string], number>(
      `SELECT COUNT(*) FROM runs WHERE ${REFERENCE_PATH} IN (SELECT value FROM json_each(?))`,
    )
    .pluck();

  // Filtered lists build their SQL from the filters present; each shape is prepared once.
  const prepared = new Map<string, Database.Statement<unknown[], unknown>>();
  function statement(sql: string): Database.Statement<unknown[], unknown> {
    let found = prepared.get(sql);
    if (!found) {
      found = db.prepare<unknown[], unknown>(sql);
      prepared.set(sql, found);
    }
    return found;
  }

  function withTags(rows: Row[]): Reference[] {
    if (rows.length === 0) return [];
    const steers = new Map<number, ReferenceSteer[]>();
    const tags = new Map<number, string[]>();
    const checks = new Map<number, ReferenceCheckRecord[]>();
    const ids = JSON.stringify(rows.map((r) => r.id));
    for (const row of selectChecks.all(ids)) {
      const list = checks.get(row.reference_id) ?? [];
      const at = { table: 'reference_checks', column: 'details', id: `${row.reference_id}/${row.check}` };
      list.push(checkRecord(json, row, at));
      checks.set(row.reference_id, list);
    }
    for (const row of selectTags.all(ids)) {
      const into = row.kind === 'steer' ? steers : tags;
      const list = into.get(row.reference_id) ?? [];
      list.push(row.tag);
      into.set(row.reference_id, list as ReferenceSteer[]);
    }
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      sha256: row.sha256,
      width: row.width,
      height: row.height,
      format: row.format,
      bytes: row.bytes,
      path: row.stripped_path,
      originalPath: row.original_path,
      thumbPath: row.thumb_path,
      steers: (steers.get(row.id) ?? []).sort((a, b) => (STEER_ORDER[a] ?? 9) - (STEER_ORDER[b] ?? 9)),
      tags: tags.get(row.id) ?? [],
      createdAt: row.created_at,
      checks: checks.get(row.id) ?? [],
    }));
  }

  function one(row: Row | undefined): Reference | null {
    return row ? (withTags([row])[0] ?? null) : null;
  }

  function setTags(id: number, kind: 'steer' | 'free', values: readonly string[]): void {
    clearTags.run(id, kind);
    for (const value of values) insertTag.run(id, kind, value);
  }

  const insert = db.transaction(
    (row: NewReference, steers: readonly ReferenceSteer[], tags: readonly string[]) => {
      const id = Number(insertRow.run(row).lastInsertRowid);
      setTags(id, 'steer', steers);
      setTags(id, 'free', tags);
      return id;
    },
  );

  const update = db.transaction(
    (id: number, change: { name?: string; steers?: readonly ReferenceSteer[]; tags?: readonly string[] }) => {
      if (!selectById.get(id)) return false;
      if (change.name !== undefined) rename.run(change.name, id);
      if (change.steers !== undefined) setTags(id, 'steer', change.steers);
      if (change.tags !== undefined) setTags(id, 'free', change.tags);
      return true;
    },
  );

  return {
    findBySha: (sha256) => one(selectBySha.get(sha256)),
    get: (id) => one(selectById.get(id)),
    insert(row, steers, tags) {
      const id = insert(row, steers, tags);
      const stored = one(selectById.get(id));
      if (!stored) throw new Error(`reference ${id} vanished after insert`);
      return stored;
    },
    list(filter) {
      const where: string[] = [];
      const params: Array<string | number> = [];
      if (filter.query) {
        where.push("r.name LIKE ? ESCAPE '\\'");
        params.push(`%${filter.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      }
      for (const [kind, values] of [
        ['steer', filter.steers ?? []],
        ['free', filter.tags ?? []],
      ] as const) {
        for (const value of values) {
          where.push('r.id IN (SELECT reference_id FROM reference_tags WHERE kind = ? AND tag = ?)');
          params.push(kind, value);
        }
      }
      if (filter.orientation === 'landscape') where.push('r.width > r.height');
      if (filter.orientation === 'portrait') where.push('r.width < r.height');
      if (filter.orientation === 'square') where.push('r.width = r.height');
      if (filter.minWidth !== undefined) {
        where.push('r.width >= ?');
        params.push(filter.minWidth);
      }
      if (filter.minHeight !== undefined) {
        where.push('r.height >= ?');
        params.push(filter.minHeight);
      }
      const countWhere = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
      const total = statement(`SELECT COUNT(*) FROM reference_images r ${countWhere}`)
        .pluck()
        .get(...params) as number;
      const pageWhere = filter.before === undefined ? where : [...where, 'r.id < ?'];
      const pageParams = filter.before === undefined ? params : [...params, filter.before];
      const rows = statement(
        `SELECT ${COLUMNS} FROM reference_images r ${pageWhere.length > 0 ? `WHERE ${pageWhere.join(' AND ')}` : ''}
         ORDER BY r.id DESC LIMIT ?`,
      ).all(...pageParams, filter.limit + 1) as Row[];
      const more = rows.length > filter.limit;
      const page = more ? rows.slice(0, filter.limit) : rows;
      return { items: withTags(page), nextBefore: more ? (page.at(-1)?.id ?? null) : null, total };
    },
    update(id, change) {
      return update(id, change) ? one(selectById.get(id)) : null;
    },
    delete: (id) => remove.run(id).changes > 0,
    tagCounts() {
      const steers: Array<{ steer: ReferenceSteer; count: number }> = [];
      const tags: Array<{ tag: string; count: number }> = [];
      for (const row of countTags.all()) {
        if (row.kind === 'steer') steers.push({ steer: row.tag as ReferenceSteer, count: row.count });
        else tags.push({ tag: row.tag, count: row.count });
      }
      return { steers, tags };
    },
    runsUsing(paths, limit) {
      const json = JSON.stringify(paths);
      const runs = selectRuns.all(json, limit).map((row) => ({
        runId: row.id,
        createdAt: row.created_at,
        status: row.status,
        prompt: row.prompt,
      }));
      return { runs, total: countRuns.get(json) ?? 0 };
    },
  };
}
