import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchSpec } from '../../../shared/batches-contract';
import { REVIEW_STATUSES, type ReviewStatus, type RunStatus, type TaskType } from '../../../shared/domain';
import {
  type HistoryFacets,
  HistoryQuery,
  type HistoryQueryInput,
  type HistorySort,
} from '../../../shared/history-contract';
import { AppError } from '../../../shared/result';
import {
  qualityFilterOf,
  SEED_BOARDS,
  SEED_STYLES,
  SEED_TEMPLATES,
  type SeedIds,
  type SeedRun,
  seededRandom,
  seedLibrary,
} from '../../../test/support/history';
import { recordingLogger } from '../../../test/support/log';
import { createBatchesRepo } from './batches-repo';
import { createBoardsRepo } from './boards-repo';
import { closeDatabase, type LibraryDatabase, openDatabase } from './db';
import { type FacetSnapshot, SNAPSHOT_FILTERS } from './history-facets';
import { createHistoryRepo, type FacetDim, type HistoryRepo } from './history-repo';
import { createOutputsRepo } from './outputs-repo';
import { createQualityRepo } from './quality-repo';
import { createRunsRepo } from './runs-repo';
import { snapshotReader } from './snapshot-aside';
import { createTrashRepo } from './trash-repo';

// ---------------------------------------------------------------------------------------------------------
// A seeded library and an oracle: the expected answer to any query is computed from the same description.

const WORDS = [
  'lighthouse',
  'misty',
  'lake',
  'teapot',
  'heron',
  'hero',
  'herbal',
  'café',
  'gouache',
  'neon',
  'Туманное',
  'озеро',
  '白い猫の絵',
  'chair',
  'dusk',
] as const;
const NEGATIVES = ['', 'blurry', 'text, watermark', 'teapot'];
const PROVIDERS: Array<[string, string | null]> = [
  ['openai', 'gpt-image-1'],
  ['openai', 'dall-e-3'],
  ['gemini', 'imagen-4'],
  ['stability', null],
];
const STATUSES: RunStatus[] = ['succeeded', 'succeeded', 'succeeded', 'failed', 'cancelled'];
const TASKS: TaskType[] = ['default', 'default', 'photoreal'];
const TAGS = ['hero', 'Warm', 'blue', 'final'];
const SOURCES = [null, null, null, 'comfyui', 'a1111', 'midjourney'] as const;

const QUALITY_SEEDS = ['fail', 'pass', undefined, 'not_run', 'pass'] as const;

function buildRuns(count: number): Omit<SeedRun, 'id'>[] {
  const random = seededRandom(9);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const runs: Omit<SeedRun, 'id'>[] = [];
  for (let i = 0; i < count; i++) {
    const words = Array.from({ length: 2 + Math.floor(random() * 4) }, () => pick(WORDS));
    if (i % 9 === 0) words.push('misty', 'lake'); // the phrase, in order
    const [provider, model] = pick(PROVIDERS);
    const status = pick(STATUSES);
    const outputs =
      status === 'succeeded'
        ? Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
            rating: random() < 0.5 ? 0 : 1 + Math.floor(random() * 5),
            favorite: random() < 0.2,
            review: pick(REVIEW_STATUSES) as ReviewStatus,
            boards: SEED_BOARDS.slice(0, 2).filter(() => random() < 0.2),
            trashed: random() < 0.1,
          }))
        : [];
    // Checks by position, not drawn: the random sequence (and every other seeded value) stays as it was.
    outputs.forEach((output: SeedRun['outputs'][number], k) => {
      const result = QUALITY_SEEDS[(i + k) % QUALITY_SEEDS.length];
      if (result !== undefined) output.quality = result;
    });
    runs.push({
      prompt: words.join(' '),
      negativePrompt: pick(NEGATIVES),
      provider,
      model,
      status,
      taskType: pick(TASKS),
      createdAt: 1_700_000_000_000 + i * 60_000,
      costUsd: status === 'failed' && random() < 0.5 ? null : Math.round(random() * 20) / 100,
      durationMs: status === 'succeeded' ? 1000 + Math.floor(random() * 5) * 1000 : null,
      style:
        random() < 0.4 ? { style: Math.floor(random() * 2), version: 1 + Math.floor(random() * 2) } : null,
      template: random() < 0.3 ? Math.floor(random() * 2) : null,
      reference: random() < 0.25,
      tags: TAGS.filter(() => random() < 0.25),
      outputs,
      trashed: random() < 0.06,
      source: SOURCES[i % SOURCES.length]!,
    });
  }
  return runs;
}

const fold = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
const tokens = (text: string) =>
  fold(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

/** What a search term matches, the way FTS5 (unicode61, diacritics removed) and the substring rule do. */
function textMatches(run: SeedRun, text: string): boolean {
  const terms: Array<{ words: string[]; raw: string; prefix: boolean; negate: boolean }> = [];
  const re = /(-?)(?:"([^"]*)"(\*?)|([^\s"]+))/gu;
  for (const m of text.matchAll(re)) {
    const raw = m[2] ?? m[4]!;
    const prefix = m[3] === '*' || (m[4]?.endsWith('*') ?? false);
    terms.push({ words: tokens(raw), raw: raw.replace(/\*+$/u, ''), prefix, negate: m[1] === '-' });
  }
  const columns = [run.prompt, run.negativePrompt];
  const has = (term: (typeof terms)[number]) => {
    if (UNSPACED.test(term.raw)) return columns.some((c) => c.includes(term.raw));
    return columns.some((column) => {
      const t = tokens(column);
      return t.some((_, start) =>
        term.words.every((w, k) => {
          const token = t[start + k];
          if (token === undefined) return false;
          return term.prefix && k === term.words.length - 1 ? token.startsWith(w) : token === w;
        }),
      );
    });
  };
  const live = terms.filter((t) => t.words.length > 0);
  return live.every((t) => has(t) !== t.negate);
}

type Dim = FacetDim;

let ids: SeedIds;
const liveOutputs = (run: SeedRun) => run.outputs.filter((o) => !o.trashed);
const bestRating = (run: SeedRun) => Math.max(0, ...liveOutputs(run).map((o) => o.rating));
const styleId = (run: SeedRun) => (run.style === null ? null : ids.styles[run.style.style]!);
const styleVersionId = (run: SeedRun) =>
  run.style === null ? null : ids.styleVersions[run.style.style]![run.style.version - 1]!;
const templateId = (run: SeedRun) => (run.template === null ? null : ids.templates[run.template]!);

function oracleMatches(run: SeedRun, q: HistoryQuery, omit: Dim | null = null): boolean {
  const on = (dim: Dim) => dim !== omit;
  if (q.trash === 'exclude' && run.trashed) return false;
  if (q.trash === 'only' && !run.trashed) return false;
  if (!textMatches(run, q.text)) return false;
  if (q.from !== null && run.createdAt < q.from) return false;
  if (q.to !== null && run.createdAt >= q.to) return false;
  if (q.costMin !== null && (run.costUsd === null || run.costUsd < q.costMin)) return false;
  if (q.costMax !== null && (run.costUsd === null || run.costUsd > q.costMax)) return false;
  const anyOf = <T>(selected: readonly T[], value: T) => selected.length === 0 || selected.includes(value);
  if (on('providers') && !anyOf(q.providers, run.provider)) return false;
  if (on('sources') && !anyOf<string>(q.sources, run.source ?? 'atelier')) return false;
  if (on('models') && q.models.length > 0 && (run.model === null || !q.models.includes(run.model)))
    return false;
  if (on('statuses') && !anyOf(q.statuses, run.status)) return false;
  if (on('taskTypes') && !anyOf(q.taskTypes, run.taskType)) return false;
  if (on('styles') && q.styles.length > 0 && !q.styles.includes(styleId(run) ?? -1)) return false;
  if (
    on('styleVersions') &&
    q.styleVersions.length > 0 &&
    !q.styleVersions.includes(styleVersionId(run) ?? -1)
  )
    return false;
  if (on('templates') && q.templates.length > 0 && !q.templates.includes(templateId(run) ?? -1)) return false;
  if (on('minRating') && bestRating(run) < q.minRating) return false;
  if (on('favorite') && q.favorite && !liveOutputs(run).some((o) => o.favorite)) return false;
  if (on('review') && q.review.length > 0 && !liveOutputs(run).some((o) => q.review.includes(o.review)))
    return false;
  if (
    on('checks') &&
    q.checks.length > 0 &&
    !liveOutputs(run).some((o) => q.checks.includes(qualityFilterOf(o)))
  )
    return false;
  if (on('usedReference') && q.usedReference !== null && run.reference !== q.usedReference) return false;
  if (
    on('tags') &&
    q.tags.length > 0 &&
    !run.tags.some((t) => q.tags.some((s) => s.toLowerCase() === t.toLowerCase()))
  )
    return false;
  if (
    on('boards') &&
    q.boards.length > 0 &&
    !liveOutputs(run).some((o) => o.boards.some((b) => q.boards.includes(ids.boards.get(b)!)))
  )
    return false;
  return true;
}

function sortValue(run: SeedRun, key: HistorySort['key']): number {
  if (key === 'rating') return bestRating(run);
  if (key === 'cost') return run.costUsd ?? -1;
  if (key === 'duration') return run.durationMs ?? -1;
  return run.id;
}

function oracleIds(runs: readonly SeedRun[], q: HistoryQuery, sort: HistorySort): number[] {
  const sign = sort.dir === 'desc' ? -1 : 1;
  return runs
    .filter((run) => oracleMatches(run, q))
    .sort((a, b) => sign * (sortValue(a, sort.key) - sortValue(b, sort.key) || a.id - b.id))
    .map((run) => run.id);
}

function countBy(
  runs: readonly SeedRun[],
  q: HistoryQuery,
  dim: Dim,
  values: (run: SeedRun) => Array<string | number>,
) {
  const counts = new Map<string | number, number>();
  for (const run of runs) {
    if (!oracleMatches(run, q, dim)) continue;
    for (const value of new Set(values(run))) counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return counts;
}

/** The facets as plain maps, so repo and oracle compare without caring about order or names. */
function facetMaps(f: HistoryFacets) {
  const map = (items: Array<{ value: string; count: number }>) =>
    Object.fromEntries(items.filter((i) => i.count > 0).map((i) => [i.value, i.count]));
  const idMap = (items: Array<{ id: number; count: number }>) =>
    Object.fromEntries(items.filter((i) => i.count > 0).map((i) => [i.id, i.count]));
  return {
    total: f.total,
    providers: map(f.providers),
    sources: map(f.sources),
    models: map(f.models),
    statuses: map(f.statuses),
    taskTypes: map(f.taskTypes),
    styles: idMap(f.styles),
    styleVersions: idMap(f.styleVersions),
    templates: idMap(f.templates),
    ratings: map(f.ratings),
    favorite: f.favorite,
    review: map(f.review),
    checks: map(f.checks),
    usedReference: map(f.usedReference),
    tags: Object.fromEntries(f.tags.filter((i) => i.count > 0).map((i) => [i.value.toLowerCase(), i.count])),
    boards: idMap(f.boards),
  };
}

function oracleFacets(runs: readonly SeedRun[], q: HistoryQuery): ReturnType<typeof facetMaps> {
  const obj = (m: Map<string | number, number>) => Object.fromEntries([...m].map(([k, v]) => [String(k), v]));
  return {
    total: runs.filter((run) => oracleMatches(run, q)).length,
    providers: obj(countBy(runs, q, 'providers', (r) => [r.provider])),
    sources: obj(countBy(runs, q, 'sources', (r) => [r.source ?? 'atelier'])),
    models: obj(countBy(runs, q, 'models', (r) => (r.model === null ? [] : [r.model]))),
    statuses: obj(countBy(runs, q, 'statuses', (r) => [r.status])),
    taskTypes: obj(countBy(runs, q, 'taskTypes', (r) => [r.taskType])),
    styles: obj(countBy(runs, q, 'styles', (r) => (styleId(r) === null ? [] : [styleId(r)!]))),
    styleVersions: obj(
      countBy(runs, q, 'styleVersions', (r) => (styleVersionId(r) === null ? [] : [styleVersionId(r)!])),
    ),
    templates: obj(countBy(runs, q, 'templates', (r) => (templateId(r) === null ? [] : [templateId(r)!]))),
    ratings: obj(
      countBy(runs, q, 'minRating', (r) => [1, 2, 3, 4, 5].filter((s) => bestRating(r) >= s).map(String)),
    ),
    favorite:
      countBy(runs, q, 'favorite', (r) => (liveOutputs(r).some((o) => o.favorite) ? ['y'] : [])).get('y') ??
      0,
    review: obj(countBy(runs, q, 'review', (r) => liveOutputs(r).map((o) => o.review))),
    checks: obj(countBy(runs, q, 'checks', (r) => liveOutputs(r).map(qualityFilterOf))),
    usedReference: obj(countBy(runs, q, 'usedReference', (r) => [r.reference ? 'yes' : 'no'])),
    tags: obj(countBy(runs, q, 'tags', (r) => r.tags.map((t) => t.toLowerCase()))),
    boards: obj(
      countBy(runs, q, 'boards', (r) =>
        liveOutputs(r).flatMap((o) => o.boards.map((b) => ids.boards.get(b)!)),
      ),
    ),
  };
}

// ---------------------------------------------------------------------------------------------------------

let dir: string;
let db: LibraryDatabase;
let history: HistoryRepo;
let seeded: SeedRun[];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-history-'));
  db = openDatabase(path.join(dir, 'atelier.db'));
  const result = seedLibrary(db, buildRuns(160));
  ids = result.ids;
  seeded = result.runs;
  history = createHistoryRepo(db, recordingLogger());
});
afterAll(() => {
  closeDatabase(db);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every page of a search, walked with its cursors. */
function searchAll(input: HistoryQueryInput, sort: HistorySort = { key: 'date', dir: 'desc' }, limit = 7) {
  const query = HistoryQuery.parse(input);
  const got: number[] = [];
  let cursor: string | null = null;
  let total: number | null = null;
  for (let page = 0; page < 100; page++) {
    const result = history.search({ query, sort, cursor, limit });
    if (page === 0) total = result.total;
    else expect(result.total).toBeNull();
    got.push(...result.items.map((item) => item.id));
    cursor = result.nextCursor;
    if (cursor === null) break;
  }
  return { ids: got, total, query };
}

function expectLikeOracle(input: HistoryQueryInput, sort: HistorySort = { key: 'date', dir: 'desc' }) {
  const { ids: got, total, query } = searchAll(input, sort);
  const expected = oracleIds(seeded, query, sort);
  expect(got, JSON.stringify({ input, sort })).toEqual(expected);
  expect(total).toBe(expected.length);
  return expected;
}

function errorOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (error) {
    if (error instanceof AppError) return `${error.code}: ${error.message}`;
    throw error;
  }
}

/** One value per filter, each matching some runs but not all. */
function oneOfEach(): Record<Dim, Partial<HistoryQueryInput>> {
  return {
    providers: { providers: ['openai'] },
    sources: { sources: ['comfyui', 'atelier'] },
    models: { models: ['dall-e-3', 'imagen-4'] },
    statuses: { statuses: ['succeeded'] },
    taskTypes: { taskTypes: ['photoreal'] },
    styles: { styles: [ids.styles[0]!] },
    styleVersions: { styleVersions: [ids.styleVersions[1]![1]!, ids.styleVersions[0]![0]!] },
    templates: { templates: [ids.templates[1]!] },
    minRating: { minRating: 3 },
    favorite: { favorite: true },
    review: { review: ['rejected'] },
    checks: { checks: ['failed', 'unchecked'] },
    usedReference: { usedReference: false },
    tags: { tags: ['HERO', 'blue'] },
    boards: { boards: [ids.boards.get('Spring brief')!] },
  };
}

describe('history search', () => {
  it('lists live runs newest first, every page by cursor, with the total on the first page only', () => {
    const expected = expectLikeOracle({});
    expect(expected.length).toBeGreaterThan(100);
    expect(expected.length).toBeLessThan(seeded.length); // some are in the trash
  });

  it('applies each filter alone, and each with every other (all pairs)', () => {
    const filters = oneOfEach();
    const dims = Object.keys(filters) as Dim[];
    for (const dim of dims) {
      const matched = expectLikeOracle(filters[dim]);
      expect(matched.length, dim).toBeGreaterThan(0);
    }
    for (let i = 0; i < dims.length; i++) {
      for (let j = i + 1; j < dims.length; j++)
        expectLikeOracle({ ...filters[dims[i]!], ...filters[dims[j]!] });
    }
  });

  it('combines random sets of filters with text, dates, costs and every sort', () => {
    const random = seededRandom(3);
    const filters = oneOfEach();
    const dims = Object.keys(filters) as Dim[];
    const texts = ['', 'misty', 'her*', '"misty lake"', '-teapot', 'lake -"misty lake"', 'озеро', 'cafe'];
    const sorts: HistorySort[] = ['date', 'rating', 'cost', 'duration'].flatMap((key) =>
      (['desc', 'asc'] as const).map((dir) => ({ key: key as HistorySort['key'], dir })),
    );
    for (let n = 0; n < 60; n++) {
      const input: HistoryQueryInput = { text: texts[n % texts.length]! };
      for (const dim of dims) if (random() < 0.2) Object.assign(input, filters[dim]);
      if (random() < 0.3) Object.assign(input, { from: seeded[20]!.createdAt, to: seeded[130]!.createdAt });
      if (random() < 0.3) Object.assign(input, { costMin: 0.05, costMax: 0.15 });
      expectLikeOracle(input, sorts[n % sorts.length]!);
    }
  });

  it('sorts by rating, cost and duration both ways, unknown costs and durations last when descending', () => {
    for (const key of ['rating', 'cost', 'duration'] as const) {
      for (const dir of ['desc', 'asc'] as const) expectLikeOracle({ trash: 'include' }, { key, dir });
    }
    const byCost = searchAll({}, { key: 'cost', dir: 'desc' }).ids;
    const costs = byCost.map((id) => seeded.find((r) => r.id === id)!.costUsd);
    expect(costs.at(-1)).toBeNull();
    expect(costs[0]).toBe(Math.max(...costs.filter((c): c is number => c !== null)));
  });

  it('shows the trash alone or mixed in when asked', () => {
    const only = expectLikeOracle({ trash: 'only' });
    expect(only.length).toBeGreaterThan(0);
    expect(expectLikeOracle({ trash: 'include' }).length).toBe(seeded.length);
    const trash = createTrashRepo(db);
    const victim = searchAll({}).ids[0]!;
    trash.trashRuns([victim], 1);
    try {
      expect(searchAll({}).ids).not.toContain(victim);
      expect(searchAll({ trash: 'only' }).ids).toContain(victim);
    } finally {
      trash.restoreRuns([victim]);
    }
  });
});

describe('history search text', () => {
  const texts = (input: string) => searchAll({ text: input, trash: 'include' }).ids;

  it('finds words, prefixes, phrases and exclusions, like the oracle', () => {
    for (const text of [
      'lake',
      'LAKE',
      'her*',
      'hero',
      '"misty lake"',
      '"lake misty"',
      'lake -misty',
      '-teapot',
      'misty -"misty lake"',
      '"misty la"*',
      'neon chair',
      'watermark',
    ]) {
      expectLikeOracle({ text, trash: 'include' });
      expect(texts(text).length, text).toBeGreaterThan(0);
    }
    // "her*" reaches hero, heron and herbal; "hero" alone is the whole word.
    expect(texts('her*').length).toBeGreaterThan(texts('hero').length);
  });

  it('folds accents and case in Latin and Cyrillic', () => {
    expect(texts('cafe')).toEqual(texts('CAFÉ'));
    expect(texts('cafe').length).toBeGreaterThan(0);
    expect(texts('ОЗЕРО')).toEqual(texts('озеро'));
    expect(texts('тума*')).toEqual(texts('Туманное'));
    expectLikeOracle({ text: 'туманное -озеро', trash: 'include' });
  });

  it('finds Japanese text inside a sentence (no spaces between words) and excludes it', () => {
    const cat = texts('猫');
    expect(cat.length).toBeGreaterThan(0);
    expect(cat).toEqual(texts('猫の絵'));
    expect(texts('白い猫の絵 lake')).toEqual(
      oracleIds(seeded, HistoryQuery.parse({ text: '白い猫の絵 lake', trash: 'include' }), {
        key: 'date',
        dir: 'desc',
      }),
    );
    expectLikeOracle({ text: '-猫', trash: 'include' });
    expect(texts('犬')).toEqual([]);
  });

  it('treats FTS5 syntax typed by the user as text, never as operators', () => {
    for (const text of [
      'NEAR(lake misty)',
      'prompt:lake',
      'lake OR teapot',
      'lake AND',
      '^lake',
      'lake)',
      '(',
      '*',
      '-',
      '""',
      "l'ake",
      'lake + misty',
    ]) {
      expect(
        errorOf(() => texts(text)),
        text,
      ).toBeNull();
    }
    // OR is a word to search for, not an operator: nothing has it.
    expect(texts('lake OR teapot')).toEqual([]);
    expect(texts('prompt:lake')).toEqual([]);
    expect(texts('*')).toEqual(texts(''));
  });

  it('refuses an unclosed quote, naming query.text', () => {
    expect(errorOf(() => texts('"misty lake'))).toBe(
      'invalid_input: query.text: the quote at character 1 is not closed; add a closing " to search for a phrase',
    );
  });

  it('refuses a cursor from another order, naming cursor', () => {
    const query = HistoryQuery.parse({});
    const first = history.search({ query, sort: { key: 'date', dir: 'desc' }, cursor: null, limit: 5 });
    expect(
      errorOf(() =>
        history.search({ query, sort: { key: 'cost', dir: 'desc' }, cursor: first.nextCursor, limit: 5 }),
      ),
    ).toMatch(/^invalid_input: cursor: /);
    expect(
      errorOf(() =>
        history.search({ query, sort: { key: 'date', dir: 'desc' }, cursor: 'garbage', limit: 5 }),
      ),
    ).toMatch(/^invalid_input: cursor: /);
  });
});

describe('history facets', () => {
  it('count each filter’s values with every other active filter applied', () => {
    const filters = oneOfEach();
    const dims = Object.keys(filters) as Dim[];
    const random = seededRandom(5);
    const inputs: HistoryQueryInput[] = [
      {},
      { text: 'lake' },
      { trash: 'only' },
      { text: '-teapot' },
      { text: '猫 -lake' },
    ];
    for (const dim of dims) inputs.push(filters[dim]);
    for (let n = 0; n < 25; n++) {
      const input: HistoryQueryInput = { text: n % 3 === 0 ? 'her*' : '' };
      for (const dim of dims) if (random() < 0.3) Object.assign(input, filters[dim]);
      inputs.push(input);
    }
    for (const input of inputs) {
      const query = HistoryQuery.parse(input);
      expect(facetMaps(history.facets(query)), JSON.stringify(input)).toEqual(oracleFacets(seeded, query));
    }
  });

  it('follow writes made since the last count (the snapshot is read again)', () => {
    const query = HistoryQuery.parse({ trash: 'include' });
    const before = history.facets(query);
    const victim = seeded.find((r) => r.outputs.length > 0 && !r.trashed && bestRating(r) < 5)!;
    const outputId = db
      .prepare<[number], number>(
        'SELECT id FROM outputs WHERE run_id = ? AND deleted_at IS NULL ORDER BY idx LIMIT 1',
      )
      .pluck()
      .get(victim.id)!;
    const previous = db
      .prepare<[number], number>('SELECT rating FROM ratings WHERE output_id = ?')
      .pluck()
      .get(outputId);
    db.prepare('INSERT OR REPLACE INTO ratings (output_id, rating, updated_at) VALUES (?, 5, 1)').run(
      outputId,
    );
    try {
      const after = history.facets(query);
      expect(after.ratings.find((r) => r.value === '5')!.count).toBe(
        before.ratings.find((r) => r.value === '5')!.count + 1,
      );
    } finally {
      if (previous === undefined) db.prepare('DELETE FROM ratings WHERE output_id = ?').run(outputId);
      else db.prepare('UPDATE ratings SET rating = ? WHERE output_id = ?').run(previous, outputId);
    }
    expect(history.facets(query)).toEqual(before);
  });

  it('names styles, versions, templates and boards, and keeps selected values listed', () => {
    const facets = history.facets(
      HistoryQuery.parse({
        text: 'nothing-matches-this',
        tags: ['final'],
        providers: ['openai'],
        boards: [ids.boards.get('Logos')!],
      }),
    );
    expect(facets.total).toBe(0);
    expect(facets.tags).toEqual([{ value: 'final', count: 0 }]);
    expect(facets.providers).toEqual([{ value: 'openai', count: 0 }]);
    expect(facets.boards.map((b) => b.name)).toEqual(['Empty board', 'Logos', 'Spring brief']);
    const all = history.facets(HistoryQuery.parse({}));
    expect(all.styles.map((s) => s.name).sort()).toEqual([...SEED_STYLES].sort());
    expect(all.templates.map((t) => t.name).sort()).toEqual([...SEED_TEMPLATES].sort());
    expect(all.styleVersions.find((v) => v.id === ids.styleVersions[0]![1])).toMatchObject({
      name: `${SEED_STYLES[0]} v2`,
      styleId: ids.styles[0],
      version: 2,
    });
    expect(all.models.find((m) => m.value === 'imagen-4')?.provider).toBe('gemini');
  });
});

describe('the in-memory snapshot kept in step with writes', () => {
  // A reader that has answered before, then every kind of write through the real repositories: after each,
  // its answers equal those of a reader that reads the library whole.
  let own: LibraryDatabase;
  let ownDir: string;
  let reader: HistoryRepo;
  let boardIds: Map<string, number>;
  const batchIds: number[] = [];
  const sorts: HistorySort[] = [
    { key: 'date', dir: 'desc' },
    { key: 'rating', dir: 'desc' },
    { key: 'cost', dir: 'asc' },
  ];
  const queries: HistoryQueryInput[] = [
    {},
    { text: 'lake' },
    { tags: ['hero'] },
    { tags: ['fresh'] },
    { minRating: 3, favorite: true },
    { review: ['approved'], providers: ['openai'] },
    { checks: ['failed'] },
    { checks: ['passed', 'not_run'], minRating: 1 },
    { trash: 'only' },
    { text: 'misty', trash: 'include', minRating: 1 },
  ];

  const pages = (repo: HistoryRepo, input: HistoryQueryInput, sort: HistorySort) => {
    const query = HistoryQuery.parse(input);
    const ids: number[] = [];
    let cursor: string | null = null;
    do {
      const page = repo.search({ query, sort, cursor, limit: 9 });
      ids.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    return ids;
  };
  const expectInStep = (what: string) => {
    const whole = createHistoryRepo(own, recordingLogger());
    const withBoards = [...queries, { boards: [...boardIds.values()] }, { batches: [...batchIds, 999] }];
    for (const input of withBoards) {
      expect(
        facetMaps(reader.facets(HistoryQuery.parse(input))),
        `${what}: facets of ${JSON.stringify(input)}`,
      ).toEqual(facetMaps(whole.facets(HistoryQuery.parse(input))));
      for (const sort of sorts) {
        expect(pages(reader, input, sort), `${what}: ${JSON.stringify(input)} by ${sort.key}`).toEqual(
          pages(whole, input, sort),
        );
      }
    }
  };

  beforeAll(() => {
    ownDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-history-step-'));
    own = openDatabase(path.join(ownDir, 'atelier.db'));
    boardIds = seedLibrary(own, buildRuns(90)).ids.boards;
    reader = createHistoryRepo(own, recordingLogger());
    for (const input of queries) reader.facets(HistoryQuery.parse(input));
  });
  afterAll(() => {
    closeDatabase(own);
    fs.rmSync(ownDir, { recursive: true, force: true });
  });

  it('follows ratings, favourites, review, tags, boards, trash, new runs, batches, renames and purges', () => {
    const runs = createRunsRepo(own, recordingLogger());
    const outputs = createOutputsRepo(own);
    const boards = createBoardsRepo(own);
    const trash = createTrashRepo(own);
    const outputIds = own.prepare<[], number>('SELECT id FROM outputs ORDER BY id').pluck().all();
    const runIds = own
      .prepare<[], number>('SELECT id FROM runs WHERE deleted_at IS NULL ORDER BY id')
      .pluck()
      .all();

    runs.rate(outputIds[0]!, 5, 1);
    runs.rate(outputIds[1]!, 0, 1);
    expectInStep('ratings');
    outputs.setFavorite([outputIds[2]!, outputIds[3]!], true);
    outputs.review([outputIds[4]!], { status: 'approved', approvalRef: 'LEGAL-1' }, 1);
    expectInStep('favourite and review');
    const quality = createQualityRepo(own, recordingLogger());
    const check = (outputId: number, result: 'pass' | 'fail' | 'not_run') => ({
      outputId,
      check: 'nsfw' as const,
      result,
      score: null,
      threshold: null,
      version: 'nsfw@1',
      reason: result === 'pass' ? null : 'planted',
      details: {},
      checkedAt: 1,
    });
    quality.save([
      check(outputIds[10]!, 'fail'),
      check(outputIds[11]!, 'not_run'),
      check(outputIds[12]!, 'pass'),
    ]);
    expectInStep('quality checks stored');
    quality.save([check(outputIds[10]!, 'pass')]);
    expectInStep('a quality check re-run');
    runs.setTags(runIds[0]!, ['fresh', 'Hero']);
    runs.setTags(runIds[1]!, []);
    expectInStep('tags');
    const board = boards.create('Late brief', 1);
    boardIds.set('Late brief', board);
    boards.addOutputs(board, outputIds.slice(5, 9), 1);
    boards.removeOutputs(board, [outputIds[5]!]);
    expectInStep('boards');
    trash.trashOutputs([outputIds[6]!], 2);
    trash.trashRuns([runIds[2]!, runIds[3]!], 2);
    expectInStep('trash');
    trash.restoreRuns([runIds[2]!]);
    expectInStep('restore');
    const created = runs.create({ request: { prompt: 'a late misty lake', provider: 'openai' }, now: 9e12 });
    runs.rate(
      own.prepare<[number], number>('SELECT id FROM outputs WHERE run_id = ?').pluck().get(created) ??
        outputIds[9]!,
      4,
      1,
    );
    expectInStep('a new run');
    const batches = createBatchesRepo(own, recordingLogger());
    const batch = batches.create({
      name: 'Overnight',
      kind: ['variants'],
      spec: BatchSpec.parse({ request: { prompt: 'a misty lake' }, variants: 2 }),
      settings: { maxItems: 10, estimateUsd: null },
      items: [{ coords: { variant: 1 } }, { coords: { variant: 2 } }],
      now: 1,
    });
    batchIds.push(batch);
    batches.attachRun(batch, 0, runIds[4]!, 1);
    expectInStep('a batch run');
    batches.attachRun(batch, 1, created, 1);
    expectInStep('a second batch run');
    own.prepare("UPDATE styles SET name = 'Gouache Dawn' WHERE name = ?").run(SEED_STYLES[0]);
    boards.rename(board, 'Later brief');
    expectInStep('renames');
    trash.purge(Number.MAX_SAFE_INTEGER);
    expectInStep('trash emptied for good');
  });
});

describe('the snapshot knows every filter', () => {
  it('lists each field of a History query, so a new filter cannot be ignored by filtered searches', () => {
    const fields = Object.keys(HistoryQuery.parse({})).sort();
    expect(Object.keys(SNAPSHOT_FILTERS).sort()).toEqual(fields);
  });
});

describe('the snapshot read on a worker thread', () => {
  // The worker runs snapshot-worker.ts under tsx, with its own read-only connection to the same file.
  let dir: string;
  let file: string;
  let db: LibraryDatabase;
  const worker = { script: new URL('./snapshot-worker.ts', import.meta.url), execArgv: ['--import', 'tsx'] };
  const queries: HistoryQueryInput[] = [{}, { text: 'lake' }, { tags: ['hero'] }, { minRating: 3 }];
  const expectLikeWhole = (repo: HistoryRepo, what: string) => {
    const whole = createHistoryRepo(db, recordingLogger());
    for (const input of queries) {
      const query = HistoryQuery.parse(input);
      expect(facetMaps(repo.facets(query)), `${what}: facets of ${JSON.stringify(input)}`).toEqual(
        facetMaps(whole.facets(query)),
      );
      const sort: HistorySort = { key: 'rating', dir: 'desc' };
      const page = (r: HistoryRepo) =>
        r.search({ query, sort, cursor: null, limit: 200 }).items.map((i) => i.id);
      expect(page(repo), `${what}: ${JSON.stringify(input)}`).toEqual(page(whole));
    }
  };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-history-aside-'));
    file = path.join(dir, 'atelier.db');
    db = openDatabase(file);
    seedLibrary(db, buildRuns(90));
  });
  afterAll(() => {
    closeDatabase(db);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads it once, elsewhere, and answers like a whole read; an unfiltered page does not wait for it', async () => {
    const read = snapshotReader(worker, file);
    let reads = 0;
    const log = recordingLogger();
    const repo = createHistoryRepo(db, log, {
      readAside: () => {
        reads += 1;
        return read();
      },
    });
    await repo.ready(HistoryQuery.parse({}));
    expect(reads).toBe(0);
    await Promise.all([repo.ready(), repo.ready(HistoryQuery.parse({ minRating: 2 }))]);
    expect(reads).toBe(1);
    expectLikeWhole(repo, 'read aside');
    await repo.ready();
    expect(reads).toBe(1);
    expect(log.lines).toEqual([]);
  });

  it('keeps what this connection commits while the worker reads', async () => {
    const runs = createRunsRepo(db, recordingLogger());
    const outputIds = db.prepare<[], number>('SELECT id FROM outputs ORDER BY id').pluck().all();
    const runIds = db.prepare<[], number>('SELECT id FROM runs ORDER BY id').pluck().all();
    const read = snapshotReader(worker, file);
    const repo = createHistoryRepo(db, recordingLogger(), {
      // Commits that land after the worker's read and before its answer is taken up.
      readAside: async () => {
        const snapshot = await read();
        runs.rate(outputIds[3]!, 1, 1);
        runs.setTags(runIds[4]!, ['after', 'hero']);
        runs.create({ request: { prompt: 'a misty lake, after the read', provider: 'gemini' }, now: 9e12 });
        return snapshot;
      },
    });
    const reading = repo.ready();
    // Commits made before the worker's read begins (it is still starting).
    runs.rate(outputIds[0]!, 5, 1);
    runs.setTags(runIds[1]!, ['hero', 'late']);
    runs.create({ request: { prompt: 'a late misty lake', provider: 'openai' }, now: 9e12 });
    await reading;
    expectLikeWhole(repo, 'writes during the read');
    runs.rate(outputIds[2]!, 4, 1);
    expectLikeWhole(repo, 'a write after');
  });

  it('reads it here when the worker cannot, and says so in the log', async () => {
    const log = recordingLogger();
    const repo = createHistoryRepo(db, log, {
      readAside: (): Promise<FacetSnapshot> => Promise.reject(new Error('no worker here')),
    });
    await repo.ready();
    expectLikeWhole(repo, 'read here');
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        fields: expect.objectContaining({ error: 'no worker here' }),
      }),
    );
  });

  it('answers with an error, not a snapshot, for a file that is not a library', async () => {
    await expect(snapshotReader(worker, path.join(dir, 'missing.db'))()).rejects.toThrow(
      /unable to open|does not exist|SQLITE_CANTOPEN/i,
    );
  });
});
