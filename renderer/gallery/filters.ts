// What History shows: search text, filters and sort, kept in localStorage so a reload keeps them, and the
// facet counts beside each filter. The grid loads pages with `request` (see `searchInput`).

import { create } from 'zustand';
import type { HistoryFacets, HistoryQuery, HistorySort } from '../../shared/history-contract';
import { DEFAULT_HISTORY_QUERY, DEFAULT_HISTORY_SORT } from '../../shared/history-defaults';
import type { AppErrorShape } from '../../shared/result';
import { api } from '../api';

export const FILTERS_STORAGE_KEY = 'atelier.history.view';

export interface HistoryRequest {
  query: HistoryQuery;
  sort: HistorySort;
}

type HistoryContract = typeof import('../../shared/history-contract');
let contract: HistoryContract | null = null;
let loadingContract: Promise<HistoryContract> | null = null;

/**
 * The view's schemas, loaded on first use: History's first screen does without them (the zod schemas cost its
 * main thread tens of ms), and they arrive once its first page is in (`verify`).
 */
export function loadHistoryContract(): Promise<HistoryContract> {
  loadingContract ??= import('../../shared/history-contract').then((loaded) => {
    contract = loaded;
    return loaded;
  });
  return loadingContract;
}

/** Runs `then` with the schemas: at once when they are loaded, else once they are. */
function withContract(then: (loaded: HistoryContract) => void): void {
  if (contract) then(contract);
  else void loadHistoryContract().then(then);
}

/**
 * `value` when it has the defaults' shape (the same keys hold lists, flags, numbers or text), merged over
 * them; null when it does not. Enough for the first page: the core parses the call, and `verify` parses the
 * whole view with the contract once it is loaded.
 */
function shapedLike<T extends object>(defaults: T, value: unknown): T | null {
  if (typeof value !== 'object' || value === null) return null;
  const merged = { ...defaults } as Record<string, unknown>;
  for (const [key, fallback] of Object.entries(defaults)) {
    if (!(key in value)) continue;
    const stored: unknown = (value as Record<string, unknown>)[key];
    const fits = Array.isArray(fallback)
      ? Array.isArray(stored)
      : fallback === null
        ? stored === null || typeof stored === 'number' || typeof stored === 'boolean'
        : typeof stored === typeof fallback;
    if (!fits) return null;
    merged[key] = stored;
  }
  return merged as T;
}

/** The stored view's text, or null when there is none or storage cannot be read. */
function storedText(): string | null {
  try {
    return globalThis.localStorage?.getItem(FILTERS_STORAGE_KEY) ?? null;
  } catch {
    // Disabled storage (private mode) reads as empty, as in `readStored`.
    return null;
  }
}

/** The stored view (parsed in full by `verify`), or the defaults when there is none or it has another shape. */
function readStored(): HistoryRequest {
  try {
    const raw = storedText();
    if (!raw) return { query: DEFAULT_HISTORY_QUERY, sort: DEFAULT_HISTORY_SORT };
    const value = JSON.parse(raw) as { query?: unknown; sort?: unknown };
    return {
      query: shapedLike(DEFAULT_HISTORY_QUERY, value.query ?? {}) ?? DEFAULT_HISTORY_QUERY,
      sort: shapedLike(DEFAULT_HISTORY_SORT, value.sort ?? {}) ?? DEFAULT_HISTORY_SORT,
    };
  } catch {
    // Unreadable storage (private mode, bad JSON) starts from the defaults; nothing else depends on it.
    return { query: DEFAULT_HISTORY_QUERY, sort: DEFAULT_HISTORY_SORT };
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
  /**
   * Replaces some fields of the query (the rest stay), when the contract accepts the result. Before the
   * contract has loaded (the first moments of a tab), the change applies once it has.
   */
  patch(patch: Partial<HistoryQuery>): void;
  /** One value for a list filter; null clears it. */
  choose<K extends ListFilter>(key: K, value: HistoryQuery[K][number] | null): void;
  setSort(sort: HistorySort): void;
  clear(): void;
  loadFacets(): Promise<void>;
  /**
   * Parses the view read from storage with the contract (loading it): kept as parsed, or, when the contract
   * refuses it (an older shape, edited storage), replaced by the defaults and the grid reloaded.
   */
  verify(): Promise<void>;
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
      withContract(({ HistoryQuery }) => {
        const parsed = HistoryQuery.safeParse({ ...get().query, ...patch });
        if (!parsed.success) return;
        apply({ query: parsed.data, sort: get().sort });
      });
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
        query: { ...DEFAULT_HISTORY_QUERY, text: get().query.text, trash: get().query.trash },
        sort: get().sort,
      });
    },
    async verify() {
      const { HistoryQuery, HistorySort } = await loadHistoryContract();
      const { query, sort } = get();
      const parsedQuery = HistoryQuery.safeParse(query);
      const parsedSort = HistorySort.safeParse(sort);
      if (parsedQuery.success && parsedSort.success) {
        const view = { query: parsedQuery.data, sort: parsedSort.data };
        // The same view as read (the shape check merged the defaults in): nothing to change or reload.
        if (JSON.stringify([view.query, view.sort]) !== JSON.stringify([query, sort])) set(view);
        // Storage of another shape (read as the defaults) or missing fields is written back as the view in use,
        // so it is not refused again at every start.
        const raw = storedText();
        if (raw !== null && raw !== JSON.stringify(view)) store(view);
        return;
      }
      apply({
        query: parsedQuery.success ? parsedQuery.data : DEFAULT_HISTORY_QUERY,
        sort: parsedSort.success ? parsedSort.data : DEFAULT_HISTORY_SORT,
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
