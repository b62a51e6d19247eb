import type Database from 'better-sqlite3';
import { REVIEW_STATUSES } from '../../../shared/domain';
import {
  HISTORY_LIMITS,
  type HistoryFacets,
  type HistoryPage,
  type HistoryQuery,
  type HistorySort,
} from '../../../shared/history-contract';
import { QUALITY_FILTERS } from '../../../shared/quality-contract';
import { fieldError } from '../../../shared/result';
import type { Logger } from '../ports';
import type { LibraryDatabase } from './db';
import {
  applyChanges,
  countFacets,
  type FacetSnapshot,
  matchPositions,
  QUALITY_MASK_SQL,
  readSnapshot,
} from './history-facets';
import { createHistoryJournal } from './history-journal';
import { createJsonColumns } from './json-column';
import { COVER_JOIN, SUMMARY_COLUMNS, type SummaryRow, toSummary } from './runs-repo';
import { planSearch, type SearchPlan } from './search-text';

/** Conditions that let every live run through (the trash left out): the sort's index serves the page. */
function unfiltered(c: readonly string[]): boolean {
  return c.length === 1 && c[0] === 'r.deleted_at IS NULL';
}

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
  /**
   * Resolves once `search(query)` (without a query: `facets`) can answer without reading the facet snapshot
   * on this thread: at once when the query needs no snapshot or it is up to date, else once `readAside` has
   * read it elsewhere. Without `readAside`, or when it fails, the call itself reads it, as before.
   */
  ready(query?: HistoryQuery): Promise<void>;
}

export interface HistoryRepoOptions {
  /** Reads the facet snapshot away from this thread (a worker with its own connection: snapshot-aside.ts). */
  readAside?: () => Promise<FacetSnapshot>;
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
  | 'checks'
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
  if (on('checks') && q.checks.length > 0) {
    const mask = QUALITY_FILTERS.reduce(
      (m, value, bit) => (q.checks.includes(value) ? m | (1 << bit) : m),
      0,
    );
    c.push(
      `((SELECT ${QUALITY_MASK_SQL} FROM outputs o WHERE o.run_id = r.id AND o.deleted_at IS NULL) & ${p.add(mask)}) <> 0`,
    );
  }
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
  // No facet counts for batches: the Batches screen opens History on one.
  if (q.batches.length > 0) {
    c.push(`r.id IN (SELECT br.run_id FROM batch_runs br WHERE br.batch_id IN (${p.list(q.batches)}))`);
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

export function createHistoryRepo(
  db: LibraryDatabase,
  log: Logger,
  options: HistoryRepoOptions = {},
): HistoryRepo {
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
  const ftsIds = db.prepare<[string], number>('SELECT rowid FROM runs_fts WHERE runs_fts MATCH ?').pluck();
  const pageRows = db.prepare(
    `SELECT ${SUMMARY_COLUMNS}, NULL AS sort_value FROM runs r ${COVER_JOIN}
     WHERE r.id IN (SELECT value FROM json_each(?))`,
  );
  const journal = createHistoryJournal(db);
  let snapshot: { data: FacetSnapshot; dataVersion: number } | null = null;
  const dataVersion = () => Number(db.pragma('data_version', { simple: true }));

  /**
   * The snapshot as of now: brought up to date with what this connection journaled since, or read whole
   * when another connection committed or the changes cannot be applied in place.
   */
  function currentSnapshot(): FacetSnapshot {
    if (snapshot !== null && snapshotUsable()) return snapshot.data;
    const version = dataVersion();
    journal.clear();
    snapshot = { data: readSnapshot(db), dataVersion: version };
    return snapshot.data;
  }

  let readingAside: Promise<void> | null = null;

  /**
   * True when the snapshot is there and brought up to date here (a few journaled runs re-read); false when it
   * must be read whole.
   */
  function snapshotUsable(): boolean {
    if (snapshot === null || snapshot.dataVersion !== dataVersion()) return false;
    const changes = journal.take();
    if (changes.runIds.length === 0 && !changes.names) return true;
    if (applyChanges(db, snapshot.data, changes)) return true;
    snapshot = null;
    return false;
  }

  /**
   * Reads the snapshot aside. The journal restarts first: what this connection commits from then on is
   * re-read into the new snapshot when it arrives (re-reading a run the worker already saw is harmless).
   * A commit by another connection meanwhile makes the answer stale: the next call reads it here.
   */
  function readSnapshotAside(readAside: () => Promise<FacetSnapshot>): Promise<void> {
    readingAside ??= (async () => {
      const version = dataVersion();
      journal.clear();
      try {
        const data = await readAside();
        // A core that closed meanwhile has no use for it.
        if (db.open && snapshot === null && dataVersion() === version)
          snapshot = { data, dataVersion: version };
      } catch (error) {
        log.warn('history snapshot not read aside; reading it on the main thread', {
          error: error instanceof Error ? error.message : String(error),
        });
      } finally {
        readingAside = null;
      }
    })();
    return readingAside;
  }

  async function ready(query?: HistoryQuery): Promise<void> {
    if (!options.readAside) return;
    if (query !== undefined) {
      // Every live run: served by an index alone.
      if (unfiltered(conditions(query, planSearch(query.text), new Set(), new Params()))) return;
    }
    if (readingAside === null && snapshotUsable()) return;
    await readSnapshotAside(options.readAside);
  }

  /** Marks the positions the search text lets through; null when there is no text condition. */
  function textMatchOf(data: FacetSnapshot, query: HistoryQuery): Uint8Array | null {
    const plan = planSearch(query.text);
    const p = new Params();
    const text = textConditions(plan, p);
    if (text.length === 0) return null;
    const textMatch = new Uint8Array(data.count);
    const mark = (ids: readonly number[], value: 0 | 1) => {
      for (const id of ids) {
        const at = id < data.position.length ? data.position[id]! : -1;
        if (at >= 0 && at < data.count) textMatch[at] = value;
      }
    };
    if (plan.contains.length === 0 && plan.lacks.length === 0) {
      // Words only: the ids come straight from the FTS index, without visiting a run row.
      if (plan.match !== null) {
        mark(ftsIds.all(plan.match), 1);
        if (plan.exclude !== null) mark(ftsIds.all(plan.exclude), 0);
      } else {
        textMatch.fill(1);
        mark(ftsIds.all(plan.exclude!), 0);
      }
    } else {
      mark(
        prepared(`SELECT r.id FROM runs r ${whereSql(text)}`)
          .pluck()
          .all(p.values) as number[],
        1,
      );
    }
    return textMatch;
  }

  /**
   * A filtered page from the snapshot: the matches are found in memory, the best `limit + 1` after the
   * cursor kept by a bounded heap, and only those rows read. Visiting every match's row in SQL (a common
   * word matches a third of the library) is what made a search with filters slow.
   */
  function snapshotPage(
    data: FacetSnapshot,
    matches: Int32Array,
    sort: HistorySort,
    after: Cursor | null,
    limit: number,
  ): { rows: SortRow[] } {
    const keyOf: (p: number) => number =
      sort.key === 'rating'
        ? (p) => data.rating[p]!
        : sort.key === 'cost'
          ? (p) => {
              const cost = data.cost[p]!;
              return Number.isNaN(cost) ? -1 : cost;
            }
          : (p) => data.ids[p]!;
    const desc = sort.dir === 'desc';
    // `first(a, b)`: a comes before b in this order.
    const first = (ka: number, ia: number, kb: number, ib: number) =>
      desc ? ka > kb || (ka === kb && ia > ib) : ka < kb || (ka === kb && ia < ib);
    const afterKey = after === null ? 0 : sort.key === 'date' ? after.id : (after.value ?? 0);
    const want = limit + 1;
    // A max-heap of the kept entries by "comes last": the root is the one to drop.
    const heapKey = new Float64Array(want);
    const heapId = new Int32Array(want);
    let size = 0;
    const later = (i: number, j: number) => first(heapKey[j]!, heapId[j]!, heapKey[i]!, heapId[i]!);
    const swap = (i: number, j: number) => {
      const k = heapKey[i]!;
      heapKey[i] = heapKey[j]!;
      heapKey[j] = k;
      const d = heapId[i]!;
      heapId[i] = heapId[j]!;
      heapId[j] = d;
    };
    for (let m = 0; m < matches.length; m++) {
      const p = matches[m]!;
      const key = keyOf(p);
      const id = data.ids[p]!;
      if (after !== null && !first(afterKey, after.id, key, id)) continue;
      if (size < want) {
        heapKey[size] = key;
        heapId[size] = id;
        let i = size++;
        while (i > 0) {
          const parent = (i - 1) >> 1;
          if (!later(i, parent)) break;
          swap(i, parent);
          i = parent;
        }
      } else if (first(key, id, heapKey[0]!, heapId[0]!)) {
        heapKey[0] = key;
        heapId[0] = id;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let top = i;
          if (l < size && later(l, top)) top = l;
          if (r < size && later(r, top)) top = r;
          if (top === i) break;
          swap(i, top);
          i = top;
        }
      }
    }
    const kept = Array.from({ length: size }, (_, i) => ({ key: heapKey[i]!, id: heapId[i]! })).sort(
      (a, b) => (first(a.key, a.id, b.key, b.id) ? -1 : 1),
    );
    const byId = new Map(
      (pageRows.all(JSON.stringify(kept.map((k) => k.id))) as SortRow[]).map((row) => [row.id, row]),
    );
    const rows: SortRow[] = [];
    for (const k of kept) {
      const row = byId.get(k.id);
      if (row) rows.push({ ...row, sort_value: sort.key === 'date' ? null : k.key });
    }
    return { rows };
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
    let rows: SortRow[];
    let total: number | null = null;
    if (unfiltered(c)) {
      // Every live run: the sort's own index serves the page, and the count reads no row.
      if (after === null) total = countLive.get() ?? 0;
      rows = sqlPage(c, p, sort, after, limit);
    } else {
      const data = currentSnapshot();
      const matches = matchPositions(data, query, textMatchOf(data, query));
      if (after === null) total = matches.length;
      // Duration is not in the snapshot; its index serves that order.
      rows =
        sort.key === 'duration'
          ? sqlPage(c, p, sort, after, limit)
          : snapshotPage(data, matches, sort, after, limit).rows;
    }
    // One extra row tells whether another page exists.
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > limit && last
        ? encodeCursor({ key: sort.key, dir: sort.dir, value: last.sort_value, id: last.id })
        : null;
    return { items: page.map((row) => toSummary(row, json)), nextCursor, total };
  }

  /** A keyset page in SQL: rows after the cursor in the sort's order, one more than asked. */
  function sqlPage(
    c: string[],
    p: Params,
    sort: HistorySort,
    after: Cursor | null,
    limit: number,
  ): SortRow[] {
    const key = SORT_EXPRESSION[sort.key];
    const direction = sort.dir === 'desc' ? 'DESC' : 'ASC';
    const before = sort.dir === 'desc' ? '<' : '>';
    const pageConditions = [...c];
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
    return prepared(sql).all(p.values) as SortRow[];
  }

  function facets(query: HistoryQuery): HistoryFacets {
    const data = currentSnapshot();
    return countFacets(data, query, textMatchOf(data, query));
  }

  return { search, facets, ready };
}
