import { REVIEW_STATUSES } from '../../../shared/domain';
import {
  type FacetCount,
  HISTORY_LIMITS,
  type HistoryFacets,
  type HistoryQuery,
  type IdFacetCount,
} from '../../../shared/history-contract';
import type { LibraryDatabase } from './db';

/**
 * Facet counts at 100,000 runs. Counting "each filter with every other filter applied" in SQL takes one
 * aggregate scan per filter (SQLite spends ~200 ns a row grouping, so 13 filters cost far more than 50 ms).
 * Instead the filter columns of every run are held here in typed arrays (about 40 bytes a run), read once
 * from the covering runs_filters index, and one pass counts every facet: a run failing no filter counts
 * for all of them, a run failing exactly one counts for that filter's facet only.
 *
 * The snapshot is rebuilt when the connection's `total_changes()` (every row this connection wrote,
 * triggers included) or `PRAGMA data_version` (commits by other connections) moved since it was read.
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

export interface FacetSnapshot {
  count: number;
  ids: Int32Array;
  /** id → position, -1 when absent. */
  position: Int32Array;
  provider: Uint16Array;
  /** Code in `sources`; runs made here are 'atelier'. */
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
  reference: Uint8Array;
  deleted: Uint8Array;
  createdAt: Float64Array;
  cost: Float64Array; // NaN when unknown
  tagStart: Int32Array; // CSR: tags of position p are tagCode[tagStart[p] .. tagStart[p + 1])
  tagCode: Int32Array;
  boardStart: Int32Array;
  boardId: Int32Array;
  providers: Dictionary;
  sources: Dictionary;
  models: Dictionary;
  statuses: Dictionary;
  taskTypes: Dictionary;
  /** Lower-cased tag names (NOCASE), and one spelling each to show. */
  tags: Dictionary;
  tagNames: string[];
  styleOfVersion: Map<number, { styleId: number; version: number }>;
  templateOfVersion: Map<number, number>;
  styleNames: Map<number, string>;
  templateNames: Map<number, string>;
  boards: Array<{ id: number; name: string }>;
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

export function readSnapshot(db: LibraryDatabase): FacetSnapshot {
  const total = db.prepare<[], number>('SELECT count(*) FROM runs').pluck().get() ?? 0;
  const maxId = db.prepare<[], number>('SELECT coalesce(max(id), 0) FROM runs').pluck().get() ?? 0;
  const s: FacetSnapshot = {
    count: 0,
    ids: new Int32Array(total),
    position: new Int32Array(maxId + 1).fill(-1),
    provider: new Uint16Array(total),
    source: new Uint8Array(total),
    model: new Int32Array(total),
    status: new Uint8Array(total),
    taskType: new Uint8Array(total),
    styleVersion: new Int32Array(total),
    templateVersion: new Int32Array(total),
    style: new Int32Array(total),
    template: new Int32Array(total),
    idBound: 1,
    rating: new Uint8Array(total),
    favorite: new Uint8Array(total),
    reviewMask: new Uint8Array(total),
    reference: new Uint8Array(total),
    deleted: new Uint8Array(total),
    createdAt: new Float64Array(total),
    cost: new Float64Array(total),
    tagStart: new Int32Array(total + 1),
    tagCode: new Int32Array(0),
    boardStart: new Int32Array(total + 1),
    boardId: new Int32Array(0),
    providers: dictionary(),
    sources: dictionary(),
    models: dictionary(),
    statuses: dictionary(),
    taskTypes: dictionary(),
    tags: dictionary(),
    tagNames: [],
    styleOfVersion: new Map(),
    templateOfVersion: new Map(),
    styleNames: new Map(),
    templateNames: new Map(),
    boards: [],
  };
  // Reads the covering runs_filters index (every column is in it; id is its rowid).
  const rows = db
    .prepare(
      `SELECT id, provider, model, status, task_type, best_rating, has_favorite, review_mask, has_reference,
         style_version_id, template_version_id, created_at, cost_usd, deleted_at IS NOT NULL, source
       FROM runs INDEXED BY runs_filters`,
    )
    .raw()
    .iterate() as IterableIterator<FilterRow>;
  let p = 0;
  for (const row of rows) {
    if (p >= total) break; // a row added between the count and this read waits for the next snapshot
    const [
      id,
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
    s.ids[p] = id;
    s.position[id] = p;
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
    s.createdAt[p] = createdAt;
    s.cost[p] = cost ?? Number.NaN;
    s.deleted[p] = deleted;
    p += 1;
  }
  s.count = p;

  const tagPairs = db
    .prepare('SELECT x.run_id, t.name FROM run_tags x JOIN tags t ON t.id = x.tag_id')
    .raw()
    .all() as Array<[number, string]>;
  [s.tagStart, s.tagCode] = csr(s, tagPairs, (name) => {
    const code = encode(s.tags, name.toLowerCase());
    s.tagNames[code] ??= name;
    return code;
  });
  const boardPairs = db
    .prepare(
      `SELECT DISTINCT o.run_id, b.board_id FROM board_outputs b JOIN outputs o ON o.id = b.output_id
       WHERE o.deleted_at IS NULL`,
    )
    .raw()
    .all() as Array<[number, number]>;
  [s.boardStart, s.boardId] = csr(s, boardPairs, (id) => id);

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
  s.boards = db.prepare('SELECT id, name FROM boards ORDER BY name COLLATE NOCASE, id').all() as Array<{
    id: number;
    name: string;
  }>;
  let bound = 0;
  for (let at = 0; at < s.count; at++) {
    const sv = s.styleVersion[at]!;
    const tv = s.templateVersion[at]!;
    s.style[at] = sv === -1 ? -1 : (s.styleOfVersion.get(sv)?.styleId ?? -1);
    s.template[at] = tv === -1 ? -1 : (s.templateOfVersion.get(tv) ?? -1);
    bound = Math.max(bound, sv, tv, s.style[at]!, s.template[at]!);
  }
  for (const id of s.boardId) bound = Math.max(bound, id);
  for (const board of s.boards) bound = Math.max(bound, board.id);
  s.idBound = bound + 1;
  return s;
}

/** Run → values pairs as compressed rows: values of position p at [start[p], start[p + 1]). */
function csr<T>(
  s: FacetSnapshot,
  pairs: Array<[number, T]>,
  code: (value: T) => number,
): [Int32Array, Int32Array] {
  const start = new Int32Array(s.ids.length + 1);
  const known = pairs.filter(([runId]) => runId < s.position.length && s.position[runId]! >= 0);
  for (const [runId] of known) start[s.position[runId]! + 1]! += 1;
  for (let p = 0; p < s.ids.length; p++) start[p + 1]! += start[p]!;
  const fill = start.slice(0, s.ids.length);
  const values = new Int32Array(known.length);
  for (const [runId, value] of known) {
    const p = s.position[runId]!;
    values[fill[p]!] = code(value);
    fill[p]! += 1;
  }
  return [start, values];
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
  count: 14,
} as const;

/**
 * Counts every facet of `query` in one pass. `textMatch` marks the positions the search text lets through
 * (null: no text condition).
 */
export function countFacets(
  s: FacetSnapshot,
  query: HistoryQuery,
  textMatch: Uint8Array | null,
): HistoryFacets {
  const codesOf = (dict: Dictionary, values: readonly string[]) =>
    new Set(values.map((v) => dict.codes.get(v)).filter((c): c is number => c !== undefined));
  const providers = codesOf(s.providers, query.providers);
  const sources = codesOf(s.sources, query.sources);
  const modelNames = new Set(query.models);
  const statuses = codesOf(s.statuses, query.statuses);
  const tasks = codesOf(s.taskTypes, query.taskTypes);
  const styles = new Set(query.styles);
  const styleVersions = new Set(query.styleVersions);
  const templates = new Set(query.templates);
  const tags = codesOf(
    s.tags,
    query.tags.map((t) => t.toLowerCase()),
  );
  const boards = new Set(query.boards);
  const mask = REVIEW_STATUSES.reduce(
    (m, status, bit) => (query.review.includes(status) ? m | (1 << bit) : m),
    0,
  );
  const modelValue = s.models.values.map((key) => key.slice(key.indexOf('\u0000') + 1));

  const providerCounts = new Float64Array(s.providers.values.length);
  const sourceCounts = new Float64Array(s.sources.values.length);
  const modelCounts = new Float64Array(s.models.values.length);
  const statusCounts = new Float64Array(s.statuses.values.length);
  const taskCounts = new Float64Array(s.taskTypes.values.length);
  const tagCounts = new Float64Array(s.tags.values.length);
  const styleCounts = new Float64Array(s.idBound);
  const styleVersionCounts = new Float64Array(s.idBound);
  const templateCounts = new Float64Array(s.idBound);
  const boardCounts = new Float64Array(s.idBound);
  const ratingCounts = [0, 0, 0, 0, 0, 0];
  const reviewCounts = [0, 0, 0];
  const referenceCounts = [0, 0];
  let favoriteCount = 0;
  let total = 0;

  // Selections as tables indexed by code or id: one array read per row and filter.
  const table = (size: number, selected: Iterable<number>) => {
    const t = new Uint8Array(size + 1);
    for (const code of selected) if (code >= 0 && code < size) t[code] = 1;
    return t;
  };
  const providerSel = table(s.providers.values.length, providers);
  const sourceSel = table(s.sources.values.length, sources);
  const modelSel = table(
    s.models.values.length,
    modelValue.flatMap((value, code) => (modelNames.has(value) ? [code] : [])),
  );
  const statusSel = table(s.statuses.values.length, statuses);
  const taskSel = table(s.taskTypes.values.length, tasks);
  const styleSel = table(s.idBound, styles);
  const styleVersionSel = table(s.idBound, styleVersions);
  const templateSel = table(s.idBound, templates);
  const tagSel = table(s.tags.values.length, tags);
  const boardSel = table(s.idBound, boards);
  const onProviders = query.providers.length > 0;
  const onSources = query.sources.length > 0;
  const onModels = query.models.length > 0;
  const onStatuses = query.statuses.length > 0;
  const onTasks = query.taskTypes.length > 0;
  const onStyles = styles.size > 0;
  const onStyleVersions = styleVersions.size > 0;
  const onTemplates = templates.size > 0;
  const onTags = query.tags.length > 0;
  const onBoards = boards.size > 0;
  const wantReference = query.usedReference === null ? -1 : query.usedReference ? 1 : 0;
  const trash = query.trash;

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

    const sv = s.styleVersion[p]!;
    const _tv = s.templateVersion[p]!;
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
    if (failing > 1) continue;
    const tagFrom = s.tagStart[p]!;
    const tagTo = s.tagStart[p + 1]!;
    if (onTags) {
      let hit = false;
      for (let k = tagFrom; k < tagTo; k++) if (tagSel[s.tagCode[k]!] === 1) hit = true;
      if (!hit) {
        failing += 1;
        only = F.tags;
      }
    }
    const boardFrom = s.boardStart[p]!;
    const boardTo = s.boardStart[p + 1]!;
    if (onBoards) {
      let hit = false;
      for (let k = boardFrom; k < boardTo; k++) if (boardSel[s.boardId[k]!] === 1) hit = true;
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
    if (all || only === F.usedReference) referenceCounts[s.reference[p]!]! += 1;
    if (all || only === F.tags) for (let k = tagFrom; k < tagTo; k++) tagCounts[s.tagCode[k]!]! += 1;
    if (all || only === F.boards) for (let k = boardFrom; k < boardTo; k++) boardCounts[s.boardId[k]!]! += 1;
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
    return out.sort((x, y) => y.count - x.count || x.value.localeCompare(y.value));
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
    return out.sort((x, y) => y.count - x.count || x.name.localeCompare(y.name));
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
  models.sort((x, y) => y.count - x.count || x.value.localeCompare(y.value));
  const tagList = s.tags.values
    .map((_, code) => ({ value: s.tagNames[code]!, count: tagCounts[code]! }))
    .filter((t) => t.count > 0)
    .sort((x, y) => y.count - x.count || x.value.localeCompare(y.value))
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
    usedReference: [
      { value: 'yes', count: referenceCounts[1]! },
      { value: 'no', count: referenceCounts[0]! },
    ],
    tags: tagList,
    boards: s.boards.map((board) => ({ ...board, count: boardCounts[board.id] ?? 0 })),
  };
}
