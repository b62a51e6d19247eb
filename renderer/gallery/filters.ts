// What History shows: search text, filters and sort, kept in localStorage so a reload keeps them, and the
// facet counts beside each filter. The grid loads pages with `request` (see `searchInput`).

import { create } from 'zustand';
import { type HistoryFacets, HistoryQuery, HistorySort } from '../../shared/history-contract';
import type { AppErrorShape } from '../../shared/result';
import { api } from '../api';

export const FILTERS_STORAGE_KEY = 'atelier.history.view';

export interface HistoryRequest {
  query: HistoryQuery;
  sort: HistorySort;
}

const DEFAULT_QUERY: HistoryQuery = HistoryQuery.parse({});
const DEFAULT_SORT: HistorySort = HistorySort.parse({});

/** The stored view, or the defaults when there is none or it no longer parses (an older shape). */
function readStored(): HistoryRequest {
  try {
    const raw = globalThis.localStorage?.getItem(FILTERS_STORAGE_KEY);
    if (!raw) return { query: DEFAULT_QUERY, sort: DEFAULT_SORT };
    const value = JSON.parse(raw) as { query?: unknown; sort?: unknown };
    const query = HistoryQuery.safeParse(value.query ?? {});
    const sort = HistorySort.safeParse(value.sort ?? {});
    return {
      query: query.success ? query.data : DEFAULT_QUERY,
      sort: sort.success ? sort.data : DEFAULT_SORT,
    };
  } catch {
    // Unreadable storage (private mode, bad JSON) starts from the defaults; nothing else depends on it.
    return { query: DEFAULT_QUERY, sort: DEFAULT_SORT };
  }
}

function store(request: HistoryRequest): void {
  try {
    globalThis.localStorage?.setItem(FILTERS_STORAGE_KEY, JSON.stringify(request));
  } catch {
    // A full or disabled storage only loses the view across reloads; the filters still apply now.
  }
}

/** Filters holding a list of alternatives; the bar sets one value at a time. */
export type ListFilter =
  | 'providers'
  | 'sources'
  | 'models'
  | 'styles'
  | 'templates'
  | 'taskTypes'
  | 'review'
  | 'checks'
  | 'statuses'
  | 'tags'
  | 'boards'
  | 'batches';

interface FiltersState extends HistoryRequest {
  /** Bumped on every change, so the grid reloads once per change. */
  version: number;
  facets: HistoryFacets | null;
  facetsError: AppErrorShape | null;
  /** Replaces some fields of the query (the rest stay). */
  patch(patch: Partial<HistoryQuery>): void;
  /** One value for a list filter; null clears it. */
  choose<K extends ListFilter>(key: K, value: HistoryQuery[K][number] | null): void;
  setSort(sort: HistorySort): void;
  clear(): void;
  loadFacets(): Promise<void>;
}

let facetSeq = 0;

export const useHistoryFilters = create<FiltersState>()((set, get) => {
  const apply = (request: HistoryRequest) => {
    store(request);
    set((state) => ({ ...request, version: state.version + 1 }));
  };
  return {
    ...readStored(),
    version: 0,
    facets: null,
    facetsError: null,
    patch(patch) {
      const parsed = HistoryQuery.safeParse({ ...get().query, ...patch });
      if (!parsed.success) return;
      apply({ query: parsed.data, sort: get().sort });
    },
    choose(key, value) {
      get().patch({ [key]: value === null ? [] : [value] } as Partial<HistoryQuery>);
    },
    setSort(sort) {
      apply({ query: get().query, sort });
    },
    clear() {
      // The search text and the trash scope are not filters the button counts: they stay.
      apply({
        query: { ...DEFAULT_QUERY, text: get().query.text, trash: get().query.trash },
        sort: get().sort,
      });
    },
    async loadFacets() {
      const seq = ++facetSeq;
      const result = await api.call('runs.facets', { query: get().query });
      if (seq !== facetSeq) return;
      if (result.ok) set({ facets: result.value, facetsError: null });
      else set({ facetsError: result.error });
    },
  };
});

/** The `runs.search` input for one page of the current view. */
export function searchInput(cursor: string | null, limit: number) {
  const { query, sort } = useHistoryFilters.getState();
  return { query, sort, cursor, limit };
}

/** How many filters are set (the search text, trash scope and sort not counted). */
export function activeFilterCount(query: HistoryQuery): number {
  const lists: ListFilter[] = [
    'providers',
    'sources',
    'models',
    'styles',
    'templates',
    'taskTypes',
    'review',
    'checks',
    'statuses',
    'tags',
    'boards',
    'batches',
  ];
  let n = lists.filter((key) => query[key].length > 0).length;
  if (query.styleVersions.length > 0) n += 1;
  if (query.minRating > 0) n += 1;
  if (query.favorite) n += 1;
  if (query.usedReference !== null) n += 1;
  if (query.from !== null || query.to !== null) n += 1;
  if (query.costMin !== null || query.costMax !== null) n += 1;
  return n;
}
