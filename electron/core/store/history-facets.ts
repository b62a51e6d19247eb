import { REVIEW_STATUSES } from '../../../shared/domain';
import {
  type FacetCount,
  HISTORY_LIMITS,
  type HistoryFacets,
  type HistoryQuery,
  type IdFacetCount,
} from '../../../shared/history-contract';
import { byNaturalName, naturalCompare } from '../../../shared/natural-order';
import { QUALITY_FILTERS } from '../../../shared/quality-contract';
import type { LibraryDatabase } from './db';

/**
 * A run's quality-gate state over its live images, as bits in QUALITY_FILTERS order: 1 an image has a failed
 * check, 2 one has a check that could not run, 4 one passed every check, 8 one is not checked yet. Selected
 * per run from `outputs o` (NULL for a run without live images); history-repo's SQL condition uses it too.
 */
export const QUALITY_MASK_SQL = `max(EXISTS (SELECT 1 FROM quality_checks q WHERE q.output_id = o.id AND q.result = 'fail'))
  | (max(EXISTS (SELECT 1 FROM quality_checks q WHERE q.output_id = o.id AND q.result = 'not_run')) << 1)
  | (max(o.quality_flag = 0 AND EXISTS (SELECT 1 FROM quality_checks q WHERE q.output_id = o.id)) << 2)
  | (max(NOT EXISTS (SELECT 1 FROM quality_checks q WHERE q.output_id = o.id)) << 3)`;

/**
 * Facet counts and filtered search at 100,000 runs. Counting "each filter with every other filter
 * applied" in SQL takes one aggregate scan per filter (SQLite spends ~200 ns a row grouping, so 13 filters
 * cost far more than 50 ms), and counting a search's matches in SQL visits every matching run's wide row.
 * Instead the filter columns of every run are held here in typed arrays (about 50 bytes a run), read once
 * from the covering runs_filters index; one pass counts every facet (a run failing no filter counts for
 * all of them, a run failing exactly one counts for that filter's facet only), and one pass finds a
 * search's matches.
 *
 * The snapshot is kept in step incrementally: temporary triggers on this connection journal the ids of the
 * runs whose filter columns, tags or boards changed (see history-journal.ts), and `applyChanges` re-reads
 * just those rows. Names (styles, templates, boards) are re-read when they change; a commit by another
 * connection (`PRAGMA data_version`), a run removed for good, or a large backlog rebuilds it whole.
 */

interface Dictionary {
  codes: Map<string, number>;
  values: string[];
}

function dictionary(): Dictionary {
  return { codes: new Map(), values: [] };
}

function encode(dict: Dictionary, value: string): number {
  let code = dict.codes.get(value);
  if (code === undefined) {
    code = dict.values.length;
    dict.codes.set(value, code);
    dict.values.push(value);
  }
  return code;
}

/** A list of values per run position: position p's are values[from[p] .. to[p]). Updates append. */
interface Lists {
  from: Int32Array;
  to: Int32Array;
  values: Int32Array;
  length: number;
  /** Entries no position points at any more (left behind by updates). */
  garbage: number;
}

export interface FacetSnapshot {
  count: number;
  /** Room in the per-run arrays; appending past it rebuilds the snapshot. */
  capacity: number;
  ids: Int32Array;
  /** id → position, -1 when absent. */
  position: Int32Array;
  provider: Uint16Array;
  /** Code in `sources`: where the run was made (`runs.source`; runs made here are 'atelier'). */
  source: Uint8Array;
  model: Int32Array; // code of "provider\0model", -1 when none
  status: Uint8Array;
  taskType: Uint8Array;
  styleVersion: Int32Array; // -1 when none
  templateVersion: Int32Array;
  /** The style and template of those versions, -1 when none. */
  style: Int32Array;
  template: Int32Array;
  /** One past the largest style, style version, template and board id, for tables indexed by id. */
  idBound: number;
  rating: Uint8Array;
  favorite: Uint8Array;
  reviewMask: Uint8Array;
  /** Quality-gate bits of its live images (see QUALITY_MASK_SQL); kept by the quality_checks journal triggers. */
  quality: Uint8Array;
  reference: Uint8Array;
  deleted: Uint8Array;
  createdAt: Float64Array;
  cost: Float64Array; // NaN when unknown
  /** The batch that made the run (`batch_runs`), 0 when none. */
  batch: Int32Array;
  tags: Lists; // tag codes (in `tagDict`)
  boards: Lists; // board ids
  providers: Dictionary;
  sources: Dictionary;
  models: Dictionary;
  statuses: Dictionary;
  taskTypes: Dictionary;
  /** Lower-cased tag names (NOCASE), and one spelling each to show. */
  tagDict: Dictionary;
  tagNames: string[];
  styleOfVersion: Map<number, { styleId: number; version: number }>;
  templateOfVersion: Map<number, number>;
  styleNames: Map<number, string>;
  templateNames: Map<number, string>;
  boardList: Array<{ id: number; name: string }>;
}

type FilterRow = [
  number,
  string,
  string | null,
  string,
  string,
  number,
  number,
  number,
  number,
  number | null,
  number | null,
  number,
  number | null,
  number,
  string | null,
];

const FILTER_COLUMNS = `id, provider, model, status, task_type, best_rating, has_favorite, review_mask, has_reference,
  style_version_id, template_version_id, created_at, cost_usd, deleted_at IS NOT NULL, source`;

/** Room for this many runs beyond those read before a rebuild is needed: a day of heavy use. */
const HEADROOM = 4_096;

function lists(capacity: number, size: number): Lists {
  return {
    from: new Int32Array(capacity),
    to: new Int32Array(capacity),
    values: new Int32Array(Math.max(16, size)),
    length: 0,
    garbage: 0,
  };
}

/** Gives position `p` these values, appending them (the old ones become garbage). */
function setList(list: Lists, p: number, values: readonly number[]) {
  list.garbage += list.to[p]! - list.from[p]!;
  if (list.length + values.length > list.values.length) {
    const grown = new Int32Array(Math.max(list.values.length * 2, list.length + values.length));
    grown.set(list.values.subarray(0, list.length));
    list.values = grown;
  }
  list.from[p] = list.length;
  for (const v of values) list.values[list.length++] = v;
  list.to[p] = list.length;
}

function grownInt32(a: Int32Array, size: number, fill: number): Int32Array {
  const b = new Int32Array(size).fill(fill);
  b.set(a);
  return b;
}

export function readSnapshot(db: LibraryDatabase): FacetSnapshot {
  const total = db.prepare<[], number>('SELECT count(*) FROM runs').pluck().get() ?? 0;
  const maxId = db.prepare<[], number>('SELECT coalesce(max(id), 0) FROM runs').pluck().get() ?? 0;
  const capacity = total + HEADROOM;
  const s: FacetSnapshot = {
    count: 0,
    capacity,
    ids: new Int32Array(capacity),
    position: new Int32Array(maxId + 1 + HEADROOM).fill(-1),
    provider: new Uint16Array(capacity),
    source: new Uint8Array(capacity),
    model: new Int32Array(capacity),
    status: new Uint8Array(capacity),
    taskType: new Uint8Array(capacity),
    styleVersion: new Int32Array(capacity),
    templateVersion: new Int32Array(capacity),
    style: new Int32Array(capacity),
    template: new Int32Array(capacity),
    idBound: 1,
    rating: new Uint8Array(capacity),
    favorite: new Uint8Array(capacity),
    reviewMask: new Uint8Array(capacity),
    quality: new Uint8Array(capacity),
    reference: new Uint8Array(capacity),
    deleted: new Uint8Array(capacity),
    createdAt: new Float64Array(capacity),
    cost: new Float64Array(capacity),
    batch: new Int32Array(capacity),
    tags: lists(capacity, 0),
    boards: lists(capacity, 0),
    providers: dictionary(),
    sources: dictionary(),
    models: dictionary(),
    statuses: dictionary(),
    taskTypes: dictionary(),
    tagDict: dictionary(),
    tagNames: [],
    styleOfVersion: new Map(),
    templateOfVersion: new Map(),
    styleNames: new Map(),
    templateNames: new Map(),
    boardList: [],
  };
  readNames(db, s);
  // Reads the covering runs_filters index (every column is in it; id is its rowid).
  const rows = db
    .prepare(`SELECT ${FILTER_COLUMNS} FROM runs INDEXED BY runs_filters`)
    .raw()
    .iterate() as IterableIterator<FilterRow>;
  let p = 0;
  for (const row of rows) {
    if (p >= total) break; // a row added between the count and this read waits for the next snapshot
    s.ids[p] = row[0];
    s.position[row[0]] = p;
    putRow(s, p, row);
    p += 1;
  }
  s.count = p;

  const tagPairs = db
    .prepare('SELECT x.run_id, t.name FROM run_tags x JOIN tags t ON t.id = x.tag_id')
    .raw()
    .all() as Array<[number, string]>;
  fillLists(s, s.tags, tagPairs, (name) => tagCode(s, name));
  const boardPairs = db
    .prepare(
      `SELECT DISTINCT o.run_id, b.board_id FROM board_outputs b JOIN outputs o ON o.id = b.output_id
       WHERE o.deleted_at IS NULL`,
    )
    .raw()
    .all() as Array<[number, number]>;
  fillLists(s, s.boards, boardPairs, (id) => id);
  for (const [runId, mask] of db
    .prepare(
      `SELECT o.run_id, ${QUALITY_MASK_SQL} FROM outputs o WHERE o.deleted_at IS NULL GROUP BY o.run_id`,
    )
    .raw()
    .iterate() as IterableIterator<[number, number]>) {
    const p = runId < s.position.length ? s.position[runId]! : -1;
    if (p >= 0) s.quality[p] = mask;
  }
  const batchPairs = db.prepare('SELECT run_id, batch_id FROM batch_runs').raw().all() as Array<
    [number, number]
  >;
  for (const [runId, batchId] of batchPairs) {
    const at = runId < s.position.length ? s.position[runId]! : -1;
    if (at >= 0) s.batch[at] = batchId;
  }
  boundIds(s);
  return s;
}

function tagCode(s: FacetSnapshot, name: string): number {
  const code = encode(s.tagDict, name.toLowerCase());
  s.tagNames[code] ??= name;
  return code;
}

/** Writes one run's filter columns at position `p`; `batch` is its batch id (0 when none), which lives in `batch_runs`. */
function putRow(s: FacetSnapshot, p: number, row: FilterRow, batch = 0) {
  const [
    ,
    provider,
    model,
    status,
    task,
    rating,
    favorite,
    mask,
    reference,
    sv,
    tv,
    createdAt,
    cost,
    deleted,
    source,
  ] = row;
  s.provider[p] = encode(s.providers, provider);
  s.source[p] = encode(s.sources, source ?? 'atelier');
  s.model[p] = model === null ? -1 : encode(s.models, `${provider}\u0000${model}`);
  s.status[p] = encode(s.statuses, status);
  s.taskType[p] = encode(s.taskTypes, task);
  s.rating[p] = rating;
  s.favorite[p] = favorite;
  s.reviewMask[p] = mask;
  s.reference[p] = reference;
  s.styleVersion[p] = sv ?? -1;
  s.templateVersion[p] = tv ?? -1;
  s.style[p] = sv === null ? -1 : (s.styleOfVersion.get(sv)?.styleId ?? -1);
  s.template[p] = tv === null ? -1 : (s.templateOfVersion.get(tv) ?? -1);
  s.createdAt[p] = createdAt;
  s.cost[p] = cost ?? Number.NaN;
  s.deleted[p] = deleted;
  s.batch[p] = batch;
}

/** Style, template and board names, and which style or template each version belongs to. */
function readNames(db: LibraryDatabase, s: FacetSnapshot) {
  s.styleOfVersion.clear();
  s.styleNames.clear();
  s.templateOfVersion.clear();
  s.templateNames.clear();
  for (const v of db
    .prepare(
      'SELECT v.id, v.style_id, v.version, s.name FROM style_versions v JOIN styles s ON s.id = v.style_id',
    )
    .all() as Array<{ id: number; style_id: number; version: number; name: string }>) {
    s.styleOfVersion.set(v.id, { styleId: v.style_id, version: v.version });
    s.styleNames.set(v.style_id, v.name);
  }
  for (const st of db.prepare('SELECT id, name FROM styles').all() as Array<{ id: number; name: string }>) {
    s.styleNames.set(st.id, st.name);
  }
  for (const v of db.prepare('SELECT v.id, v.template_id FROM template_versions v').all() as Array<{
    id: number;
    template_id: number;
  }>) {
    s.templateOfVersion.set(v.id, v.template_id);
  }
  for (const t of db.prepare('SELECT id, name FROM prompt_templates').all() as Array<{
    id: number;
    name: string;
  }>) {
    s.templateNames.set(t.id, t.name);
  }
  s.boardList = (db.prepare('SELECT id, name FROM boards').all() as Array<{ id: number; name: string }>).sort(
    byNaturalName,
  );
  for (const [name, code] of s.tagDict.codes) s.tagNames[code] ??= name;
}

/** Sets `idBound` past every id a facet table is indexed by. */
function boundIds(s: FacetSnapshot) {
  let bound = 0;
  for (const [id, v] of s.styleOfVersion) bound = Math.max(bound, id, v.styleId);
  for (const id of s.styleNames.keys()) bound = Math.max(bound, id);
  for (const [id, t] of s.templateOfVersion) bound = Math.max(bound, id, t);
  for (const id of s.templateNames.keys()) bound = Math.max(bound, id);
  for (const board of s.boardList) bound = Math.max(bound, board.id);
  const boards = s.boards;
  for (let k = 0; k < boards.length; k++) bound = Math.max(bound, boards.values[k]!);
  s.idBound = bound + 1;
}

/** Run → value pairs into lists, grouped by position. */
function fillLists<T>(s: FacetSnapshot, list: Lists, pairs: Array<[number, T]>, code: (value: T) => number) {
  const known = pairs.filter(([runId]) => runId < s.position.length && s.position[runId]! >= 0);
  const counts = new Int32Array(s.count + 1);
  for (const [runId] of known) counts[s.position[runId]! + 1]! += 1;
  for (let p = 0; p < s.count; p++) counts[p + 1]! += counts[p]!;
  for (let p = 0; p < s.count; p++) {
    list.from[p] = counts[p]!;
    list.to[p] = counts[p]!;
  }
  if (list.values.length < known.length) list.values = new Int32Array(known.length + HEADROOM);
  for (const [runId, value] of known) {
    const p = s.position[runId]!;
    list.values[list.to[p]!] = code(value);
    list.to[p]! += 1;
  }
  list.length = known.length;
  list.garbage = 0;
}

/** What the journal says changed since the snapshot was read or last brought up to date. */
export interface SnapshotChanges {
  /** Runs whose filter columns, tags or boards may have changed (inserted, updated or deleted). */
  runIds: readonly number[];
  /** Styles, templates, boards or tags were added, renamed or removed. */
  names: boolean;
}

/** Past this many changed runs at once, reading the snapshot whole is the cheaper way. */
const MAX_INCREMENTAL = 20_000;

/**
 * Brings `s` up to date with `changes` in place. Returns false when it cannot (a run removed for good,
 * more new runs than the headroom, too many changes, too much garbage): the caller rebuilds.
 */
export function applyChanges(db: LibraryDatabase, s: FacetSnapshot, changes: SnapshotChanges): boolean {
  if (changes.runIds.length > MAX_INCREMENTAL) return false;
  if (changes.names) readNames(db, s);
  const ids = [...new Set(changes.runIds)];
  const rows = new Map<number, FilterRow>();
  const tagsOf = new Map<number, string[]>();
  const boardsOf = new Map<number, number[]>();
  const qualityOf = new Map<number, number>();
  const batchOf = new Map<number, number>();
  const CHUNK = 500;
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = JSON.stringify(ids.slice(i, i + CHUNK));
    for (const row of db
      .prepare(`SELECT ${FILTER_COLUMNS} FROM runs WHERE id IN (SELECT value FROM json_each(?))`)
      .raw()
      .all(chunk) as FilterRow[]) {
      rows.set(row[0], row);
    }
    for (const [runId, name] of db
      .prepare(
        `SELECT x.run_id, t.name FROM run_tags x JOIN tags t ON t.id = x.tag_id
         WHERE x.run_id IN (SELECT value FROM json_each(?))`,
      )
      .raw()
      .all(chunk) as Array<[number, string]>) {
      tagsOf.set(runId, [...(tagsOf.get(runId) ?? []), name]);
    }
    for (const [runId, boardId] of db
      .prepare(
        `SELECT DISTINCT o.run_id, b.board_id FROM board_outputs b JOIN outputs o ON o.id = b.output_id
         WHERE o.deleted_at IS NULL AND o.run_id IN (SELECT value FROM json_each(?))`,
      )
      .raw()
      .all(chunk) as Array<[number, number]>) {
      boardsOf.set(runId, [...(boardsOf.get(runId) ?? []), boardId]);
    }
    for (const [runId, mask] of db
      .prepare(
        `SELECT o.run_id, ${QUALITY_MASK_SQL} FROM outputs o
         WHERE o.deleted_at IS NULL AND o.run_id IN (SELECT value FROM json_each(?)) GROUP BY o.run_id`,
      )
      .raw()
      .all(chunk) as Array<[number, number]>) {
      qualityOf.set(runId, mask);
    }
    for (const [runId, batchId] of db
      .prepare('SELECT run_id, batch_id FROM batch_runs WHERE run_id IN (SELECT value FROM json_each(?))')
      .raw()
      .all(chunk) as Array<[number, number]>) {
      batchOf.set(runId, batchId);
    }
  }
  for (const id of ids) {
    const row = rows.get(id);
    const known = id < s.position.length ? s.position[id]! : -1;
    if (!row) {
      if (known >= 0) return false; // removed for good (trash emptied): positions shift, read it whole
      continue; // inserted and removed in between: nothing to show
    }
    let p = known;
    if (p < 0) {
      if (s.count >= s.capacity) return false;
      if (id >= s.position.length) s.position = grownInt32(s.position, id + 1 + HEADROOM, -1);
      p = s.count;
      s.count += 1;
      s.ids[p] = id;
      s.position[id] = p;
    }
    putRow(s, p, row, batchOf.get(id) ?? 0);
    setList(
      s.tags,
      p,
      (tagsOf.get(id) ?? []).map((name) => tagCode(s, name)),
    );
    setList(s.boards, p, boardsOf.get(id) ?? []);
    s.quality[p] = qualityOf.get(id) ?? 0;
  }
  if (s.tags.garbage > s.capacity || s.boards.garbage > s.capacity) return false;
  if (changes.names || ids.length > 0) boundIds(s);
  return true;
}

/** The filters that have a facet, as indexes into the per-run failure flags. */
const F = {
  providers: 0,
  models: 1,
  statuses: 2,
  taskTypes: 3,
  styles: 4,
  styleVersions: 5,
  templates: 6,
  minRating: 7,
  favorite: 8,
  review: 9,
  usedReference: 10,
  tags: 11,
  boards: 12,
  sources: 13,
  checks: 14,
  count: 15,
} as const;

/** A query's selections as tables indexed by code or id: one array read per row and filter. */
function selectionOf(s: FacetSnapshot, query: HistoryQuery) {
  const codesOf = (dict: Dictionary, values: readonly string[]) =>
    new Set(values.map((v) => dict.codes.get(v)).filter((c): c is number => c !== undefined));
  const modelNames = new Set(query.models);
  const modelValue = s.models.values.map((key) => key.slice(key.indexOf('\u0000') + 1));
  const table = (size: number, selected: Iterable<number>) => {
    const t = new Uint8Array(size + 1);
    for (const code of selected) if (code >= 0 && code < size) t[code] = 1;
    return t;
  };
  const styles = new Set(query.styles);
  const styleVersions = new Set(query.styleVersions);
  const templates = new Set(query.templates);
  const boards = new Set(query.boards);
  const batches = new Set(query.batches);
  return {
    batches,
    onBatches: batches.size > 0,
    providerSel: table(s.providers.values.length, codesOf(s.providers, query.providers)),
    sourceSel: table(s.sources.values.length, codesOf(s.sources, query.sources)),
    modelSel: table(
      s.models.values.length,
      modelValue.flatMap((value, code) => (modelNames.has(value) ? [code] : [])),
    ),
    statusSel: table(s.statuses.values.length, codesOf(s.statuses, query.statuses)),
    taskSel: table(s.taskTypes.values.length, codesOf(s.taskTypes, query.taskTypes)),
    styleSel: table(s.idBound, styles),
    styleVersionSel: table(s.idBound, styleVersions),
    templateSel: table(s.idBound, templates),
    tagSel: table(
      s.tagDict.values.length,
      codesOf(
        s.tagDict,
        query.tags.map((t) => t.toLowerCase()),
      ),
    ),
    boardSel: table(s.idBound, boards),
    onProviders: query.providers.length > 0,
    onSources: query.sources.length > 0,
    onModels: query.models.length > 0,
    onStatuses: query.statuses.length > 0,
    onTasks: query.taskTypes.length > 0,
    onStyles: styles.size > 0,
    onStyleVersions: styleVersions.size > 0,
    onTemplates: templates.size > 0,
    onTags: query.tags.length > 0,
    onBoards: boards.size > 0,
    mask: REVIEW_STATUSES.reduce((m, status, bit) => (query.review.includes(status) ? m | (1 << bit) : m), 0),
    qualityMask: QUALITY_FILTERS.reduce(
      (m, value, bit) => (query.checks.includes(value) ? m | (1 << bit) : m),
      0,
    ),
    wantReference: query.usedReference === null ? -1 : query.usedReference ? 1 : 0,
  };
}

/**
 * Every field of a History query, and where the snapshot applies it. A filter added to `HistoryQuery` must
 * be added here (the compiler insists), to `matchPositions` and to the SQL `conditions` of history-repo.ts:
 * filtered searches are answered from the snapshot, so a filter it does not know would be silently ignored.
 */
export const SNAPSHOT_FILTERS = {
  text: 'textMatch',
  providers: 'provider',
  sources: 'source',
  models: 'model',
  styles: 'style',
  styleVersions: 'styleVersion',
  templates: 'template',
  taskTypes: 'taskType',
  minRating: 'rating',
  favorite: 'favorite',
  review: 'reviewMask',
  checks: 'quality',
  statuses: 'status',
  from: 'createdAt',
  to: 'createdAt',
  tags: 'tags',
  boards: 'boards',
  batches: 'batch',
  usedReference: 'reference',
  costMin: 'cost',
  costMax: 'cost',
  trash: 'deleted',
} as const satisfies Record<keyof HistoryQuery, keyof FacetSnapshot | 'textMatch'>;

/**
 * The positions of the runs matching every condition of `query`, in snapshot order. `textMatch` marks the
 * positions the search text lets through (null: no text condition).
 */
export function matchPositions(
  s: FacetSnapshot,
  query: HistoryQuery,
  textMatch: Uint8Array | null,
): Int32Array {
  const sel = selectionOf(s, query);
  const out = new Int32Array(s.count);
  let n = 0;
  const trash = query.trash;
  const { tags, boards } = s;
  for (let p = 0; p < s.count; p++) {
    const deleted = s.deleted[p]!;
    if (trash === 'exclude' ? deleted === 1 : trash === 'only' && deleted === 0) continue;
    if (textMatch !== null && textMatch[p] === 0) continue;
    const created = s.createdAt[p]!;
    if (query.from !== null && created < query.from) continue;
    if (query.to !== null && created >= query.to) continue;
    const cost = s.cost[p]!;
    if (query.costMin !== null && !(cost >= query.costMin)) continue;
    if (query.costMax !== null && !(cost <= query.costMax)) continue;
    if (sel.onBatches && !sel.batches.has(s.batch[p]!)) continue;
    if (sel.onProviders && sel.providerSel[s.provider[p]!] === 0) continue;
    if (sel.onSources && sel.sourceSel[s.source[p]!] === 0) continue;
    const model = s.model[p]!;
    if (sel.onModels && (model === -1 || sel.modelSel[model] === 0)) continue;
    if (sel.onStatuses && sel.statusSel[s.status[p]!] === 0) continue;
    if (sel.onTasks && sel.taskSel[s.taskType[p]!] === 0) continue;
    const style = s.style[p]!;
    if (sel.onStyles && (style === -1 || sel.styleSel[style] === 0)) continue;
    const sv = s.styleVersion[p]!;
    if (sel.onStyleVersions && (sv === -1 || sel.styleVersionSel[sv] === 0)) continue;
    const template = s.template[p]!;
    if (sel.onTemplates && (template === -1 || sel.templateSel[template] === 0)) continue;
    if (s.rating[p]! < query.minRating) continue;
    if (query.favorite && s.favorite[p] === 0) continue;
    if (sel.mask !== 0 && (s.reviewMask[p]! & sel.mask) === 0) continue;
    if (sel.qualityMask !== 0 && (s.quality[p]! & sel.qualityMask) === 0) continue;
    if (sel.wantReference !== -1 && s.reference[p] !== sel.wantReference) continue;
    if (sel.onTags) {
      let hit = false;
      for (let k = tags.from[p]!; k < tags.to[p]!; k++) if (sel.tagSel[tags.values[k]!] === 1) hit = true;
      if (!hit) continue;
    }
    if (sel.onBoards) {
      let hit = false;
      for (let k = boards.from[p]!; k < boards.to[p]!; k++)
        if (sel.boardSel[boards.values[k]!] === 1) hit = true;
      if (!hit) continue;
    }
    out[n++] = p;
  }
  return out.subarray(0, n);
}

/**
 * Counts every facet of `query` in one pass. `textMatch` marks the positions the search text lets through
 * (null: no text condition).
 */
export function countFacets(
  s: FacetSnapshot,
  query: HistoryQuery,
  textMatch: Uint8Array | null,
): HistoryFacets {
  const {
    providerSel,
    sourceSel,
    modelSel,
    statusSel,
    taskSel,
    styleSel,
    styleVersionSel,
    templateSel,
    tagSel,
    boardSel,
    onProviders,
    onSources,
    onModels,
    onStatuses,
    onTasks,
    onStyles,
    onStyleVersions,
    onTemplates,
    onTags,
    onBoards,
    mask,
    qualityMask,
    wantReference,
    batches,
    onBatches,
  } = selectionOf(s, query);

  const providerCounts = new Float64Array(s.providers.values.length);
  const sourceCounts = new Float64Array(s.sources.values.length);
  const modelCounts = new Float64Array(s.models.values.length);
  const statusCounts = new Float64Array(s.statuses.values.length);
  const taskCounts = new Float64Array(s.taskTypes.values.length);
  const tagCounts = new Float64Array(s.tagDict.values.length);
  const styleCounts = new Float64Array(s.idBound);
  const styleVersionCounts = new Float64Array(s.idBound);
  const templateCounts = new Float64Array(s.idBound);
  const boardCounts = new Float64Array(s.idBound);
  const ratingCounts = [0, 0, 0, 0, 0, 0];
  const reviewCounts = [0, 0, 0];
  const qualityCounts = [0, 0, 0, 0];
  const referenceCounts = [0, 0];
  let favoriteCount = 0;
  let total = 0;
  const trash = query.trash;
  const tagLists = s.tags;
  const boardLists = s.boards;

  for (let p = 0; p < s.count; p++) {
    // Conditions without a facet: the trash, the text, dates and costs.
    const deleted = s.deleted[p]!;
    if (trash === 'exclude' ? deleted === 1 : trash === 'only' && deleted === 0) continue;
    if (textMatch !== null && textMatch[p] === 0) continue;
    const created = s.createdAt[p]!;
    if (query.from !== null && created < query.from) continue;
    if (query.to !== null && created >= query.to) continue;
    const cost = s.cost[p]!;
    if (query.costMin !== null && !(cost >= query.costMin)) continue;
    if (query.costMax !== null && !(cost <= query.costMax)) continue;
    if (onBatches && !batches.has(s.batch[p]!)) continue;

    const sv = s.styleVersion[p]!;
    const style = s.style[p]!;
    const template = s.template[p]!;
    const model = s.model[p]!;
    let failing = 0;
    let only = -1;
    if (onProviders && providerSel[s.provider[p]!] === 0) {
      failing += 1;
      only = F.providers;
    }
    if (onSources && sourceSel[s.source[p]!] === 0) {
      failing += 1;
      only = F.sources;
    }
    if (onModels && (model === -1 || modelSel[model] === 0)) {
      failing += 1;
      only = F.models;
    }
    if (onStatuses && statusSel[s.status[p]!] === 0) {
      failing += 1;
      only = F.statuses;
    }
    if (onTasks && taskSel[s.taskType[p]!] === 0) {
      failing += 1;
      only = F.taskTypes;
    }
    if (onStyles && (style === -1 || styleSel[style] === 0)) {
      failing += 1;
      only = F.styles;
    }
    if (onStyleVersions && (sv === -1 || styleVersionSel[sv] === 0)) {
      failing += 1;
      only = F.styleVersions;
    }
    if (onTemplates && (template === -1 || templateSel[template] === 0)) {
      failing += 1;
      only = F.templates;
    }
    if (s.rating[p]! < query.minRating) {
      failing += 1;
      only = F.minRating;
    }
    if (query.favorite && s.favorite[p] === 0) {
      failing += 1;
      only = F.favorite;
    }
    if (mask !== 0 && (s.reviewMask[p]! & mask) === 0) {
      failing += 1;
      only = F.review;
    }
    if (wantReference !== -1 && s.reference[p] !== wantReference) {
      failing += 1;
      only = F.usedReference;
    }
    if (qualityMask !== 0 && (s.quality[p]! & qualityMask) === 0) {
      failing += 1;
      only = F.checks;
    }
    if (failing > 1) continue;
    const tagFrom = tagLists.from[p]!;
    const tagTo = tagLists.to[p]!;
    if (onTags) {
      let hit = false;
      for (let k = tagFrom; k < tagTo; k++) if (tagSel[tagLists.values[k]!] === 1) hit = true;
      if (!hit) {
        failing += 1;
        only = F.tags;
      }
    }
    const boardFrom = boardLists.from[p]!;
    const boardTo = boardLists.to[p]!;
    if (onBoards) {
      let hit = false;
      for (let k = boardFrom; k < boardTo; k++) if (boardSel[boardLists.values[k]!] === 1) hit = true;
      if (!hit) {
        failing += 1;
        only = F.boards;
      }
    }
    if (failing > 1) continue;
    // A run failing no filter counts everywhere; failing exactly one, only beside that one.
    const all = failing === 0;
    if (all) total += 1;
    if (all || only === F.providers) providerCounts[s.provider[p]!]! += 1;
    if (all || only === F.sources) sourceCounts[s.source[p]!]! += 1;
    if ((all || only === F.models) && model !== -1) modelCounts[model]! += 1;
    if (all || only === F.statuses) statusCounts[s.status[p]!]! += 1;
    if (all || only === F.taskTypes) taskCounts[s.taskType[p]!]! += 1;
    if ((all || only === F.styles) && style !== -1) styleCounts[style]! += 1;
    if ((all || only === F.styleVersions) && sv !== -1) styleVersionCounts[sv]! += 1;
    if ((all || only === F.templates) && template !== -1) templateCounts[template]! += 1;
    if (all || only === F.minRating) ratingCounts[s.rating[p]!]! += 1;
    if ((all || only === F.favorite) && s.favorite[p] === 1) favoriteCount += 1;
    if (all || only === F.review) {
      const m = s.reviewMask[p]!;
      if (m & 1) reviewCounts[0]! += 1;
      if (m & 2) reviewCounts[1]! += 1;
      if (m & 4) reviewCounts[2]! += 1;
    }
    if (all || only === F.checks) {
      const q = s.quality[p]!;
      for (let bit = 0; bit < 4; bit++) if (q & (1 << bit)) qualityCounts[bit]! += 1;
    }
    if (all || only === F.usedReference) referenceCounts[s.reference[p]!]! += 1;
    if (all || only === F.tags) for (let k = tagFrom; k < tagTo; k++) tagCounts[tagLists.values[k]!]! += 1;
    if (all || only === F.boards)
      for (let k = boardFrom; k < boardTo; k++) boardCounts[boardLists.values[k]!]! += 1;
  }

  const asMap = (counts: Float64Array) => {
    const map = new Map<number, number>();
    counts.forEach((count, id) => {
      if (count > 0) map.set(id, count);
    });
    return map;
  };

  const byValue = (
    values: readonly string[],
    counts: Float64Array,
    selected: readonly string[],
  ): FacetCount[] => {
    const out = values.map((value, code) => ({ value, count: counts[code]! })).filter((f) => f.count > 0);
    for (const value of selected) if (!out.some((f) => f.value === value)) out.push({ value, count: 0 });
    return out.sort((x, y) => y.count - x.count || naturalCompare(x.value, y.value));
  };
  const byId = (
    counts: Map<number, number>,
    selected: readonly number[],
    name: (id: number) => string | undefined,
  ) => {
    const out: IdFacetCount[] = [];
    for (const [id, count] of counts) out.push({ id, name: name(id) ?? '', count });
    for (const id of selected) {
      const known = name(id);
      if (known !== undefined && !counts.has(id)) out.push({ id, name: known, count: 0 });
    }
    return out.sort((x, y) => y.count - x.count || naturalCompare(x.name, y.name));
  };

  // "At least N stars": runs rated N or more.
  const atLeast = [1, 2, 3, 4, 5].map((stars) => ({
    value: String(stars),
    count: ratingCounts.slice(stars).reduce((a, b) => a + b, 0),
  }));
  const models = s.models.values
    .map((key, code) => {
      const cut = key.indexOf('\u0000');
      return { value: key.slice(cut + 1), provider: key.slice(0, cut), count: modelCounts[code]! };
    })
    .filter((m) => m.count > 0);
  for (const model of query.models) {
    if (!models.some((m) => m.value === model)) models.push({ value: model, provider: '', count: 0 });
  }
  models.sort((x, y) => y.count - x.count || naturalCompare(x.value, y.value));
  const tagList = s.tagDict.values
    .map((_, code) => ({ value: s.tagNames[code]!, count: tagCounts[code]! }))
    .filter((t) => t.count > 0)
    .sort((x, y) => y.count - x.count || naturalCompare(x.value, y.value))
    .slice(0, HISTORY_LIMITS.tagFacets);
  for (const tag of query.tags) {
    if (!tagList.some((t) => t.value.toLowerCase() === tag.toLowerCase()))
      tagList.push({ value: tag, count: 0 });
  }

  return {
    total,
    providers: byValue(s.providers.values, providerCounts, query.providers),
    sources: byValue(s.sources.values, sourceCounts, query.sources),
    models,
    statuses: byValue(s.statuses.values, statusCounts, query.statuses),
    taskTypes: byValue(s.taskTypes.values, taskCounts, query.taskTypes),
    styles: byId(asMap(styleCounts), query.styles, (id) => s.styleNames.get(id)),
    styleVersions: byId(asMap(styleVersionCounts), query.styleVersions, (id) => {
      const v = s.styleOfVersion.get(id);
      return v === undefined ? undefined : `${s.styleNames.get(v.styleId) ?? ''} v${v.version}`;
    }).map((entry) => {
      const v = s.styleOfVersion.get(entry.id)!;
      return { ...entry, styleId: v.styleId, version: v.version };
    }),
    templates: byId(asMap(templateCounts), query.templates, (id) => s.templateNames.get(id)),
    ratings: atLeast,
    favorite: favoriteCount,
    review: REVIEW_STATUSES.map((value, bit) => ({ value, count: reviewCounts[bit]! })),
    checks: QUALITY_FILTERS.map((value, bit) => ({ value, count: qualityCounts[bit]! })),
    usedReference: [
      { value: 'yes', count: referenceCounts[1]! },
      { value: 'no', count: referenceCounts[0]! },
    ],
    tags: tagList,
    boards: s.boardList.map((board) => ({ ...board, count: boardCounts[board.id] ?? 0 })),
  };
}
