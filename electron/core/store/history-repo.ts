import type Database from 'better-sqlite3';
import { REVIEW_STATUSES } from '../../../shared/domain';
import {
  HISTORY_LIMITS,
  type HistoryFacets,
  type HistoryPage,
  type HistoryQuery,
  type HistorySort,
} from '../../../shared/history-contract';
import { fieldError } from '../../../shared/result';
import type { Logger } from '../ports';
import type { LibraryDatabase } from './db';
import { countFacets, type FacetSnapshot, readSnapshot } from './history-facets';
import { createJsonColumns } from './json-column';
import { COVER_JOIN, SUMMARY_COLUMNS, type SummaryRow, toSummary } from './runs-repo';
import { planSearch, type SearchPlan } from './search-text';

/** History's finding: search, filters, sort and facet counts over runs (see shared/history-contract.ts). */
export interface HistoryRepo {
  /** One keyset page: the cost of a page does not grow with its depth. */
  search(input: {
    query: HistoryQuery;
    sort: HistorySort;
    cursor: string | null;
    limit: number;
  }): HistoryPage;
  /** For each filter, the runs matching every other active filter, by value. */
  facets(query: HistoryQuery): HistoryFacets;
}

/** Filters whose facet counts leave their own selection out. */
export type FacetDim =
  | 'providers'
  | 'sources'
  | 'models'
  | 'statuses'
  | 'taskTypes'
  | 'styles'
  | 'styleVersions'
  | 'templates'
  | 'minRating'
  | 'favorite'
  | 'review'
  | 'usedReference'
  | 'tags'
  | 'boards';

/**
 * Sort keys as indexed by migration 7 (`date` is creation order: the id). Unknown costs and durations
 * sort as -1, so a page boundary is one row-value comparison the index serves as a range.
 */
const SORT_EXPRESSION: Record<HistorySort['key'], string | null> = {
  date: null,
  rating: 'r.best_rating',
  cost: 'ifnull(r.cost_usd, -1)',
  duration: 'ifnull(r.duration_ms, -1)',
};

/** Bound parameters of one statement, named @p0, @p1… in the order the SQL uses them. */
class Params {
  readonly values: Record<string, unknown> = {};
  private next = 0;
  add(value: unknown): string {
    const name = `p${this.next++}`;
    this.values[name] = value;
    return `@${name}`;
  }
  list(values: readonly unknown[]): string {
    return values.map((v) => this.add(v)).join(', ');
  }
}

function reviewMask(statuses: readonly string[]): number {
  return REVIEW_STATUSES.reduce(
    (mask, status, bit) => (statuses.includes(status) ? mask | (1 << bit) : mask),
    0,
  );
}

/** The conditions of the search text alone. */
function textConditions(plan: SearchPlan, p: Params): string[] {
  const c: string[] = [];
  if (plan.match !== null)
    c.push(`r.id IN (SELECT rowid FROM runs_fts WHERE runs_fts MATCH ${p.add(plan.match)})`);
  if (plan.exclude !== null) {
    c.push(`r.id NOT IN (SELECT rowid FROM runs_fts WHERE runs_fts MATCH ${p.add(plan.exclude)})`);
  }
  for (const pattern of plan.contains) {
    const at = p.add(pattern);
    c.push(`(r.prompt LIKE ${at} ESCAPE '\\' OR r.negative_prompt LIKE ${at} ESCAPE '\\')`);
  }
  for (const pattern of plan.lacks) {
    const at = p.add(pattern);
    c.push(`NOT (r.prompt LIKE ${at} ESCAPE '\\' OR r.negative_prompt LIKE ${at} ESCAPE '\\')`);
  }
  return c;
}

/** The WHERE conditions of `q`, leaving out the filters in `omit` (a facet's own). */
function conditions(q: HistoryQuery, plan: SearchPlan, omit: ReadonlySet<FacetDim>, p: Params): string[] {
  const c: string[] = [];
  if (q.trash === 'exclude') c.push('r.deleted_at IS NULL');
  else if (q.trash === 'only') c.push('r.deleted_at IS NOT NULL');
  c.push(...textConditions(plan, p));
  if (q.from !== null) c.push(`r.created_at >= ${p.add(q.from)}`);
  if (q.to !== null) c.push(`r.created_at < ${p.add(q.to)}`);
  if (q.costMin !== null) c.push(`r.cost_usd >= ${p.add(q.costMin)}`);
  if (q.costMax !== null) c.push(`r.cost_usd <= ${p.add(q.costMax)}`);

  const on = (dim: FacetDim) => !omit.has(dim);
  if (on('providers') && q.providers.length > 0) c.push(`r.provider IN (${p.list(q.providers)})`);
  if (on('sources') && q.sources.length > 0) {
    c.push(`coalesce(r.source, 'atelier') IN (${p.list(q.sources)})`);
  }
  if (on('models') && q.models.length > 0) c.push(`r.model IN (${p.list(q.models)})`);
  if (on('statuses') && q.statuses.length > 0) c.push(`r.status IN (${p.list(q.statuses)})`);
  if (on('taskTypes') && q.taskTypes.length > 0) c.push(`r.task_type IN (${p.list(q.taskTypes)})`);
  if (on('styles') && q.styles.length > 0) {
    c.push(`r.style_version_id IN (SELECT id FROM style_versions WHERE style_id IN (${p.list(q.styles)}))`);
  }
  if (on('styleVersions') && q.styleVersions.length > 0) {
    c.push(`r.style_version_id IN (${p.list(q.styleVersions)})`);
  }
  if (on('templates') && q.templates.length > 0) {
    c.push(
      `r.template_version_id IN (SELECT id FROM template_versions WHERE template_id IN (${p.list(q.templates)}))`,
    );
  }
  if (on('minRating') && q.minRating > 0) c.push(`r.best_rating >= ${p.add(q.minRating)}`);
  if (on('favorite') && q.favorite) c.push('r.has_favorite = 1');
  if (on('review') && q.review.length > 0) c.push(`(r.review_mask & ${p.add(reviewMask(q.review))}) <> 0`);
  if (on('usedReference') && q.usedReference !== null) {
    c.push(`r.has_reference = ${p.add(q.usedReference ? 1 : 0)}`);
  }
  if (on('tags') && q.tags.length > 0) {
    // tags.name is COLLATE NOCASE: "Hero" finds "hero".
    c.push(
      `r.id IN (SELECT x.run_id FROM run_tags x JOIN tags t ON t.id = x.tag_id WHERE t.name IN (${p.list(q.tags)}))`,
    );
  }
  if (on('boards') && q.boards.length > 0) {
    c.push(`r.id IN (SELECT o.run_id FROM board_outputs b JOIN outputs o ON o.id = b.output_id
      WHERE b.board_id IN (${p.list(q.boards)}) AND o.deleted_at IS NULL)`);
  }
  return c;
}

const whereSql = (c: readonly string[]) => (c.length === 0 ? '' : `WHERE ${c.join(' AND ')}`);

interface Cursor {
  key: HistorySort['key'];
  dir: HistorySort['dir'];
  value: number | null;
  id: number;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.key, cursor.dir, cursor.value, cursor.id])).toString('base64url');
}

function decodeCursor(text: string, sort: HistorySort): Cursor {
  const refuse = () =>
    fieldError(['cursor'], "is not a page of this search's order; start again from the first page");
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw refuse();
  const [key, dir, value, id] = parsed as unknown[];
  const keyed = SORT_EXPRESSION[sort.key] !== null;
  if (key !== sort.key || dir !== sort.dir) throw refuse();
  if (!Number.isSafeInteger(id) || (id as number) < 1) throw refuse();
  if (keyed ? typeof value !== 'number' || !Number.isFinite(value) : value !== null) throw refuse();
  return { key: sort.key, dir: sort.dir, value: value as number | null, id: id as number };
}

interface SortRow extends SummaryRow {
  sort_value: number | null;
}

const STATEMENT_CACHE_SIZE = 200;

export function createHistoryRepo(db: LibraryDatabase, log: Logger): HistoryRepo {
  const json = createJsonColumns(log);
  // Statements differ by which filters are active, not by their values: a few dozen shapes in practice.
  const cache = new Map<string, Database.Statement>();
  function prepared(sql: string): Database.Statement {
    let statement = cache.get(sql);
    if (!statement) {
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      statement = db.prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  }
  // Live runs only: everything but the trash (partial index), without reading a row.
  const countLive = db
    .prepare<[], number>(
      'SELECT (SELECT count(*) FROM runs) - (SELECT count(*) FROM runs WHERE deleted_at IS NOT NULL)',
    )
    .pluck();
  const changes = db.prepare<[], number>('SELECT total_changes()').pluck();
  const ftsIds = db.prepare<[string], number>('SELECT rowid FROM runs_fts WHERE runs_fts MATCH ?').pluck();
  let snapshot: { data: FacetSnapshot; stamp: string } | null = null;

  /** The facet snapshot, read again when anything was written since (by this connection or another). */
  function currentSnapshot(): FacetSnapshot {
    const stamp = `${changes.get()}:${String(db.pragma('data_version', { simple: true }))}`;
    if (snapshot === null || snapshot.stamp !== stamp) snapshot = { data: readSnapshot(db), stamp };
    return snapshot.data;
  }

  function search({
    query,
    sort,
    cursor,
    limit,
  }: {
    query: HistoryQuery;
    sort: HistorySort;
    cursor: string | null;
    limit: number;
  }): HistoryPage {
    if (!Number.isInteger(limit) || limit < 1 || limit > HISTORY_LIMITS.pageMax) {
      throw fieldError(['limit'], `must be a whole number from 1 to ${HISTORY_LIMITS.pageMax}`);
    }
    const plan = planSearch(query.text);
    const after = cursor === null ? null : decodeCursor(cursor, sort);
    const p = new Params();
    const c = conditions(query, plan, new Set(), p);
    const unfiltered = c.length === 1 && c[0] === 'r.deleted_at IS NULL';
    const total =
      after !== null
        ? null
        : unfiltered
          ? (countLive.get() ?? 0)
          : (prepared(`SELECT count(*) FROM runs r ${whereSql(c)}`)
              .pluck()
              .get(p.values) as number);

    const key = SORT_EXPRESSION[sort.key];
    const direction = sort.dir === 'desc' ? 'DESC' : 'ASC';
    const before = sort.dir === 'desc' ? '<' : '>';
    const pageConditions = [...c];
    key === null ? c.map((x) => (x === 'r.deleted_at IS NULL' ? '+r.deleted_at IS NULL' : x)) : [...c];
    if (after !== null) {
      pageConditions.push(
        key === null
          ? `r.id ${before} ${p.add(after.id)}`
          : `(${key}, r.id) ${before} (${p.add(after.value)}, ${p.add(after.id)})`,
      );
    }
    const order = key === null ? `r.id ${direction}` : `${key} ${direction}, r.id ${direction}`;
    const sql = `SELECT ${SUMMARY_COLUMNS}, ${key ?? 'NULL'} AS sort_value FROM runs r ${COVER_JOIN}
      ${whereSql(pageConditions)} ORDER BY ${order} LIMIT ${p.add(limit + 1)}`;
    // One extra row tells whether another page exists without a second query.
    const rows = prepared(sql).all(p.values) as SortRow[];
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > limit && last
        ? encodeCursor({ key: sort.key, dir: sort.dir, value: last.sort_value, id: last.id })
        : null;
    return { items: page.map((row) => toSummary(row, json)), nextCursor, total };
  }

  function facets(query: HistoryQuery): HistoryFacets {
    const plan = planSearch(query.text);
    const data = currentSnapshot();
    const p = new Params();
    const text = textConditions(plan, p);
    let textMatch: Uint8Array | null = null;
    const mark = (ids: readonly number[], value: 0 | 1) => {
      for (const id of ids) {
        const at = id < data.position.length ? data.position[id]! : -1;
        if (at >= 0) textMatch![at] = value;
      }
    };
    if (
      plan.contains.length === 0 &&
      plan.lacks.length === 0 &&
      (plan.match !== null || plan.exclude !== null)
    ) {
      // Words only: the ids come straight from the FTS index, without visiting a run row.
      textMatch = new Uint8Array(data.count);
      if (plan.match !== null) mark(ftsIds.all(plan.match), 1);
      else {
        textMatch.fill(1);
        mark(ftsIds.all(plan.exclude!), 0);
      }
    } else if (text.length > 0) {
      textMatch = new Uint8Array(data.count);
      mark(
        prepared(`SELECT r.id FROM runs r ${whereSql(text)}`)
          .pluck()
          .all(p.values) as number[],
        1,
      );
    }
    return countFacets(data, query, textMatch);
  }

  return { search, facets };
}
