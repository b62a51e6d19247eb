// Finding runs in History: prompt search, filters, sort, keyset pages and facet counts. Spread into shared/contract.ts.

import { z } from 'zod';
import { ProviderId, ReviewStatus, RunStatus, RunSummary, TaskType } from './domain';
import { RunSource } from './import-contract';
import { labelText } from './input-rules';
import { QUALITY_FILTERS } from './quality-contract';

/** How many values one multi-select filter may hold, and the search text's length. */
export const HISTORY_LIMITS = { values: 50, text: 500, pageMax: 200, tagFacets: 40 } as const;

const Id = z.number().int('must be a whole number').positive('must be an id');
const many = <T extends z.ZodType>(item: T) =>
  z.array(item).max(HISTORY_LIMITS.values, `at most ${HISTORY_LIMITS.values} values`).default([]);
const Money = z.number().min(0, 'must be 0 or more').max(1_000_000, 'must be at most 1,000,000');
const Epoch = z.number().int('must be a whole number of milliseconds').min(0, 'must be a date');

/** The sort keys; `date` is creation order (run ids are handed out as runs are created). */
export const HISTORY_SORT_KEYS = ['date', 'rating', 'cost', 'duration'] as const;
export const HistorySortKey = z.enum(HISTORY_SORT_KEYS);
export type HistorySortKey = z.infer<typeof HistorySortKey>;

export const HistorySort = z.strictObject({
  key: HistorySortKey.default('date'),
  dir: z.enum(['desc', 'asc']).default('desc'),
});
export type HistorySort = z.infer<typeof HistorySort>;

/** Where the trash stands in a search: hidden (the default), alone, or mixed in. */
export const TrashScope = z.enum(['exclude', 'only', 'include']);
export type TrashScope = z.infer<typeof TrashScope>;

/**
 * What History shows: search text and filters. Values inside one filter are alternatives (any of them);
 * different filters must all hold. Output-level marks (rating, favourite, review, board) match a run when
 * any of its live images carries them.
 */
export const HistoryQuery = z
  .strictObject({
    /** Words, `prefix*`, `"exact phrases"`, `-exclusions`; never passed to SQLite as typed. */
    text: z
      .string()
      .max(HISTORY_LIMITS.text, `must be at most ${HISTORY_LIMITS.text} characters`)
      .default(''),
    providers: many(ProviderId),
    /** Where runs were made: `atelier` (generated here, or an Atelier file imported) or an imported tool. */
    sources: many(RunSource),
    models: many(z.string().min(1).max(100)),
    styles: many(Id),
    styleVersions: many(Id),
    templates: many(Id),
    taskTypes: many(TaskType),
    /** At least this many stars on some image; 0 = any. */
    minRating: z.number().int().min(0, 'must be 0 to 5').max(5, 'must be 0 to 5').default(0),
    favorite: z.boolean().default(false),
    review: many(ReviewStatus),
    /** The quality gate: runs with an image whose checks failed, could not run, all passed, or were not checked. */
    checks: many(z.enum(QUALITY_FILTERS)),
    statuses: many(RunStatus),
    /** Created at or after `from` and before `to` (epoch ms). */
    from: Epoch.nullable().default(null),
    to: Epoch.nullable().default(null),
    tags: many(labelText(40).min(1, 'must not be empty')),
    boards: many(Id),
    /** Runs made by these batches (first tries and retries). */
    batches: many(Id),
    /** true: image-to-image runs only; false: runs without a reference; null: either. */
    usedReference: z.boolean().nullable().default(null),
    costMin: Money.nullable().default(null),
    costMax: Money.nullable().default(null),
    trash: TrashScope.default('exclude'),
  })
  .superRefine((q, ctx) => {
    if (q.from !== null && q.to !== null && q.to <= q.from) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after the start date' });
    }
    if (q.costMin !== null && q.costMax !== null && q.costMax < q.costMin) {
      ctx.addIssue({ code: 'custom', path: ['costMax'], message: 'must not be below the minimum cost' });
    }
  });
export type HistoryQuery = z.infer<typeof HistoryQuery>;
export type HistoryQueryInput = z.input<typeof HistoryQuery>;

export const HistoryPage = z.object({
  items: z.array(RunSummary),
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
  /** How many runs match; counted on the first page only (null on later pages, so every page costs the same). */
  total: z.number().int().nullable(),
});
export type HistoryPage = z.infer<typeof HistoryPage>;

const Count = z.number().int().min(0);
/** A value of a filter and how many runs would match with it, the other active filters applied. */
export const FacetCount = z.object({ value: z.string(), count: Count });
export type FacetCount = z.infer<typeof FacetCount>;
export const IdFacetCount = z.object({ id: z.number(), name: z.string(), count: Count });
export type IdFacetCount = z.infer<typeof IdFacetCount>;

export const HistoryFacets = z.object({
  /** Runs matching every active filter. */
  total: Count,
  providers: z.array(FacetCount),
  /** `value` is a RunSource. */
  sources: z.array(FacetCount),
  /** `provider` names the model's provider. */
  models: z.array(FacetCount.extend({ provider: z.string() })),
  styles: z.array(IdFacetCount),
  /** `name` is "<style> v<version>". */
  styleVersions: z.array(IdFacetCount.extend({ styleId: z.number(), version: z.number() })),
  templates: z.array(IdFacetCount),
  taskTypes: z.array(FacetCount),
  statuses: z.array(FacetCount),
  /** `value` "1" to "5": runs with at least that many stars. */
  ratings: z.array(FacetCount),
  favorite: Count,
  review: z.array(FacetCount),
  /** `value` a QUALITY_FILTERS entry: runs with an image in that state. */
  checks: z.array(FacetCount),
  /** `value` "yes" / "no". */
  usedReference: z.array(FacetCount),
  /** The most used tags among the matching runs (at most HISTORY_LIMITS.tagFacets). */
  tags: z.array(FacetCount),
  /** Every board, with the matching runs that have an image on it. */
  boards: z.array(IdFacetCount),
});
export type HistoryFacets = z.infer<typeof HistoryFacets>;

export const historyCalls = {
  /** One page of runs matching the query, in the sort's order; pages are keyset (constant cost at any depth). */
  'runs.search': {
    input: z.strictObject({
      query: HistoryQuery.default(HistoryQuery.parse({})),
      sort: HistorySort.default({ key: 'date', dir: 'desc' }),
      cursor: z.string().max(200).nullable().default(null),
      limit: z.number().int().min(1).max(HISTORY_LIMITS.pageMax).default(60),
    }),
    output: HistoryPage,
  },
  /** Counts beside each filter: for each filter, the runs matching all the other active filters. */
  'runs.facets': {
    input: z.strictObject({ query: HistoryQuery.default(HistoryQuery.parse({})) }),
    output: HistoryFacets,
  },
} as const;
