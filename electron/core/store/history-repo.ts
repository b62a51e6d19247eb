import type Database from 'better-sqlite3';
import { REVIEW_STATUSES } from '../../../shared/domain';
import {
  type FacetCount,
  HISTORY_LIMITS,
  type HistoryFacets,
  type HistoryPage,
  type HistoryQuery,
  type HistorySort,
  type IdFacetCount,
} from '../../../shared/history-contract';
import { fieldError } from '../../../shared/result';
import type { Logger } from '../ports';
import type { LibraryDatabase } from './db';
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
type Dim =
  | 'providers'
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

/** The WHERE conditions of `q`, leaving out the filters in `omit` (a facet's own). */
function conditions(q: HistoryQuery, plan: SearchPlan, omit: ReadonlySet<Dim>, p: Params): string[] {
  const c: string[] = [];
  if (q.trash === 'exclude') c.push('r.deleted_at IS NULL');
  else if (q.trash === 'only') c.push('r.deleted_at IS NOT NULL');
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
  if (q.from !== null) c.push(`r.created_at >= ${p.add(q.from)}`);
  if (q.to !== null) c.push(`r.created_at < ${p.add(q.to)}`);
  if (q.costMin !== null) c.push(`r.cost_usd >= ${p.add(q.costMin)}`);
  if (q.costMax !== null) c.push(`r.cost_usd <= ${p.add(q.costMax)}`);

  const on = (dim: Dim) => !omit.has(dim);
  if (on('providers') && q.providers.length > 0) c.push(`r.provider IN (${p.list(q.providers)})`);
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

/** Rows of one facet group: the grouped columns and how many runs share them. */
type GroupRow = Record<string, string | number | null> & { n: number };

interface FacetGroup {
  columns: readonly string[];
  dims: readonly Dim[];
}

/**
 * Facet counts come from three GROUP BYs over the narrow runs_facets index: each groups by a few filter
 * columns with every other filter in its WHERE, and the counts for each of its own filters are summed in
 * memory with that one filter left out. Few groups keep the scans few; few columns per group keep the
 * groups small.
 */
const FACET_GROUPS: readonly FacetGroup[] = [
  {
    columns: ['provider', 'model', 'status', 'task_type'],
    dims: ['providers', 'models', 'statuses', 'taskTypes'],
  },
  {
    columns: ['style_version_id', 'template_version_id', 'best_rating'],
    dims: ['styles', 'styleVersions', 'templates', 'minRating'],
  },
  {
    columns: ['has_favorite', 'review_mask', 'has_reference'],
    dims: ['favorite', 'review', 'usedReference'],
  },
];

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
  const styleVersionsById = db.prepare<
    [string],
    { id: number; version: number; style_id: number; name: string }
  >(
    `SELECT v.id, v.version, s.id AS style_id, s.name FROM style_versions v JOIN styles s ON s.id = v.style_id
     WHERE v.id IN (SELECT value FROM json_each(?))`,
  );
  const stylesById = db.prepare<[string], { id: number; name: string }>(
    'SELECT id, name FROM styles WHERE id IN (SELECT value FROM json_each(?))',
  );
  const templateVersionsById = db.prepare<[string], { id: number; template_id: number; name: string }>(
    `SELECT v.id, t.id AS template_id, t.name FROM template_versions v JOIN prompt_templates t ON t.id = v.template_id
     WHERE v.id IN (SELECT value FROM json_each(?))`,
  );
  const templatesById = db.prepare<[string], { id: number; name: string }>(
    'SELECT id, name FROM prompt_templates WHERE id IN (SELECT value FROM json_each(?))',
  );
  const allBoards = db.prepare<[], { id: number; name: string }>(
    'SELECT id, name FROM boards ORDER BY name COLLATE NOCASE, id',
  );

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
    const total =
      after === null
        ? (prepared(`SELECT count(*) FROM runs r ${whereSql(c)}`)
            .pluck()
            .get(p.values) as number)
        : null;

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

  function groupRows(query: HistoryQuery, plan: SearchPlan, group: FacetGroup): GroupRow[] {
    const p = new Params();
    const c = conditions(query, plan, new Set(group.dims), p);
    const columns = group.columns.map((col) => `r.${col}`).join(', ');
    return prepared(`SELECT ${columns}, count(*) AS n FROM runs r ${whereSql(c)} GROUP BY ${columns}`).all(
      p.values,
    ) as GroupRow[];
  }

  function facets(query: HistoryQuery): HistoryFacets {
    const plan = planSearch(query.text);
    const [a, b, c] = FACET_GROUPS.map((group) => groupRows(query, plan, group)) as [
      GroupRow[],
      GroupRow[],
      GroupRow[],
    ];

    // Names and owners of the style and template versions that occur (few), plus the selected ones.
    const versionIds = new Set<number>(query.styleVersions);
    const templateVersionIds = new Set<number>();
    for (const row of b) {
      if (row.style_version_id !== null) versionIds.add(row.style_version_id as number);
      if (row.template_version_id !== null) templateVersionIds.add(row.template_version_id as number);
    }
    const versions = new Map(styleVersionsById.all(JSON.stringify([...versionIds])).map((v) => [v.id, v]));
    const templateVersions = new Map(
      templateVersionsById.all(JSON.stringify([...templateVersionIds])).map((v) => [v.id, v]),
    );
    const styleOf = (versionId: unknown) => versions.get(versionId as number)?.style_id ?? null;
    const templateOf = (versionId: unknown) => templateVersions.get(versionId as number)?.template_id ?? null;
    const mask = reviewMask(query.review);

    // Whether a grouped row passes one filter (those of its own group; the rest are in its WHERE already).
    const passes: Record<Dim, (row: GroupRow) => boolean> = {
      providers: (r) => query.providers.length === 0 || query.providers.includes(r.provider as string),
      models: (r) => query.models.length === 0 || query.models.includes(r.model as string),
      statuses: (r) =>
        query.statuses.length === 0 || (query.statuses as string[]).includes(r.status as string),
      taskTypes: (r) =>
        query.taskTypes.length === 0 || (query.taskTypes as string[]).includes(r.task_type as string),
      styles: (r) => query.styles.length === 0 || query.styles.includes(styleOf(r.style_version_id) ?? -1),
      styleVersions: (r) =>
        query.styleVersions.length === 0 ||
        query.styleVersions.includes((r.style_version_id as number) ?? -1),
      templates: (r) =>
        query.templates.length === 0 || query.templates.includes(templateOf(r.template_version_id) ?? -1),
      minRating: (r) => (r.best_rating as number) >= query.minRating,
      favorite: (r) => !query.favorite || r.has_favorite === 1,
      review: (r) => query.review.length === 0 || ((r.review_mask as number) & mask) !== 0,
      usedReference: (r) => query.usedReference === null || r.has_reference === (query.usedReference ? 1 : 0),
      tags: () => true,
      boards: () => true,
    };
    /** Sums `rows` by `bucket` over those passing every filter of `dims` but `own`. */
    function tally<K>(
      rows: GroupRow[],
      dims: readonly Dim[],
      own: Dim | null,
      bucket: (row: GroupRow) => K[],
    ) {
      const counts = new Map<K, number>();
      for (const row of rows) {
        if (!dims.every((dim) => dim === own || passes[dim](row))) continue;
        for (const k of bucket(row)) counts.set(k, (counts.get(k) ?? 0) + row.n);
      }
      return counts;
    }
    const [groupA, groupB, groupC] = FACET_GROUPS as [FacetGroup, FacetGroup, FacetGroup];
    const total = tally(a, groupA.dims, null, () => [true]).get(true) ?? 0;

    const byValue = (counts: Map<string | null, number>, selected: readonly string[]): FacetCount[] => {
      for (const value of selected) if (!counts.has(value)) counts.set(value, 0);
      return [...counts]
        .filter((entry): entry is [string, number] => entry[0] !== null)
        .map(([value, count]) => ({ value, count }))
        .sort((x, y) => y.count - x.count || x.value.localeCompare(y.value));
    };
    const byId = (
      counts: Map<number | null, number>,
      selected: readonly number[],
      name: (id: number) => string,
    ) => {
      for (const id of selected) if (!counts.has(id)) counts.set(id, 0);
      return [...counts]
        .filter((entry): entry is [number, number] => entry[0] !== null)
        .map(([id, count]): IdFacetCount => ({ id, name: name(id), count }))
        .sort((x, y) => y.count - x.count || x.name.localeCompare(y.name));
    };

    const modelCounts = tally(a, groupA.dims, 'models', (r) => [
      r.model === null ? null : `${r.provider}\u0000${r.model}`,
    ]);
    for (const model of query.models) {
      if (![...modelCounts.keys()].some((k) => k?.endsWith(`\u0000${model}`)))
        modelCounts.set(`\u0000${model}`, 0);
    }
    const models = [...modelCounts]
      .filter((entry): entry is [string, number] => entry[0] !== null)
      .map(([key, count]) => {
        const [provider = '', value = ''] = key.split('\u0000');
        return { value, provider, count };
      })
      .sort((x, y) => y.count - x.count || x.value.localeCompare(y.value));

    const selectedStyles = new Map(stylesById.all(JSON.stringify(query.styles)).map((s) => [s.id, s.name]));
    const styleNames = new Map<number, string>(selectedStyles);
    for (const v of versions.values()) styleNames.set(v.style_id, v.name);
    const selectedTemplates = new Map(
      templatesById.all(JSON.stringify(query.templates)).map((t) => [t.id, t.name]),
    );
    const templateNames = new Map<number, string>(selectedTemplates);
    for (const v of templateVersions.values()) templateNames.set(v.template_id, v.name);

    const styleVersionCounts = tally(b, groupB.dims, 'styleVersions', (r) => [
      r.style_version_id as number | null,
    ]);
    const styleVersions = byId(
      styleVersionCounts,
      query.styleVersions.filter((id) => versions.has(id)),
      (id) => {
        const v = versions.get(id)!;
        return `${v.name} v${v.version}`;
      },
    ).map((entry) => {
      const v = versions.get(entry.id)!;
      return { ...entry, styleId: v.style_id, version: v.version };
    });

    const ratingCounts = tally(b, groupB.dims, 'minRating', (r) =>
      [1, 2, 3, 4, 5].filter((stars) => (r.best_rating as number) >= stars),
    );
    const reviewCounts = tally(c, groupC.dims, 'review', (r) =>
      REVIEW_STATUSES.filter((_, bit) => ((r.review_mask as number) & (1 << bit)) !== 0),
    );
    const referenceCounts = tally(c, groupC.dims, 'usedReference', (r) => [
      r.has_reference === 1 ? 'yes' : 'no',
    ]);

    return {
      total,
      providers: byValue(
        tally(a, groupA.dims, 'providers', (r) => [r.provider as string]),
        query.providers,
      ),
      models,
      statuses: byValue(
        tally(a, groupA.dims, 'statuses', (r) => [r.status as string]),
        query.statuses,
      ),
      taskTypes: byValue(
        tally(a, groupA.dims, 'taskTypes', (r) => [r.task_type as string]),
        query.taskTypes,
      ),
      styles: byId(
        tally(b, groupB.dims, 'styles', (r) => [styleOf(r.style_version_id)]),
        query.styles.filter((id) => styleNames.has(id)),
        (id) => styleNames.get(id) ?? '',
      ),
      styleVersions,
      templates: byId(
        tally(b, groupB.dims, 'templates', (r) => [templateOf(r.template_version_id)]),
        query.templates.filter((id) => templateNames.has(id)),
        (id) => templateNames.get(id) ?? '',
      ),
      ratings: [1, 2, 3, 4, 5].map((stars) => ({
        value: String(stars),
        count: ratingCounts.get(stars) ?? 0,
      })),
      favorite: tally(c, groupC.dims, 'favorite', (r) => (r.has_favorite === 1 ? [true] : [])).get(true) ?? 0,
      review: REVIEW_STATUSES.map((value) => ({ value, count: reviewCounts.get(value) ?? 0 })),
      usedReference: ['yes', 'no'].map((value) => ({ value, count: referenceCounts.get(value) ?? 0 })),
      tags: tagFacets(query, plan),
      boards: boardFacets(query, plan),
    };
  }

  function tagFacets(query: HistoryQuery, plan: SearchPlan): FacetCount[] {
    const p = new Params();
    const c = conditions(query, plan, new Set<Dim>(['tags']), p);
    const rows = prepared(
      `SELECT t.name AS value, count(*) AS count FROM run_tags x JOIN tags t ON t.id = x.tag_id
       JOIN runs r ON r.id = x.run_id ${whereSql(c)}
       GROUP BY x.tag_id ORDER BY count DESC, t.name LIMIT ${p.add(HISTORY_LIMITS.tagFacets)}`,
    ).all(p.values) as FacetCount[];
    // A selected tag stays listed (so it can be cleared) even when nothing else matches it.
    const shown = new Set(rows.map((row) => row.value.toLowerCase()));
    for (const tag of query.tags) if (!shown.has(tag.toLowerCase())) rows.push({ value: tag, count: 0 });
    return rows;
  }

  function boardFacets(query: HistoryQuery, plan: SearchPlan): IdFacetCount[] {
    const p = new Params();
    const c = conditions(query, plan, new Set<Dim>(['boards']), p);
    const counts = new Map(
      (
        prepared(
          `SELECT b.board_id AS id, count(DISTINCT o.run_id) AS count
           FROM board_outputs b JOIN outputs o ON o.id = b.output_id JOIN runs r ON r.id = o.run_id
           ${whereSql(['o.deleted_at IS NULL', ...c])} GROUP BY b.board_id`,
        ).all(p.values) as Array<{ id: number; count: number }>
      ).map((row) => [row.id, row.count]),
    );
    return allBoards
      .all()
      .map((board) => ({ id: board.id, name: board.name, count: counts.get(board.id) ?? 0 }));
  }

  return { search, facets };
}
