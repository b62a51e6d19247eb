// View state of History: the pages of runs loaded so far, and the one run open in the detail dialog.

import { create } from 'zustand';
import type { RunBoard, RunDetail, RunSummary } from '../../shared/domain';
import type { AppErrorShape } from '../../shared/result';
import { api } from '../api';
import { editGuard } from '../lib/edit-guard';
import { searchInput, useHistoryFilters } from './filters';

export const PAGE = 60;
/** Pages kept in memory on each side of the ones on screen; pages further away drop their runs. */
export const KEEP_PAGES = 3;

/**
 * One page of runs in gallery order. `before` is the cursor it was loaded with, so a dropped page can be
 * fetched again when it scrolls back into view. `items` is null while the page is dropped; its `aspects`
 * stay (one number per run) so the layout above and below does not move.
 */
export interface HistoryPage {
  index: number;
  before: string | undefined;
  items: RunSummary[] | null;
  aspects: number[];
}

/**
 * The loaded runs, paged. Every structure is extended in place, so a new page costs the same at any depth:
 * no copy of the runs loaded so far and no set of every id (the ids live per page, in `ids`).
 */
export interface HistoryPages {
  pages: HistoryPage[];
  /** The run ids of each loaded page, keyed by page index: de-duplication looks at neighbours only. */
  ids: Map<number, Set<number>>;
  /** Offset of each page's first run in gallery order. */
  offsets: number[];
  /** Every known run's aspect ratio (width / height), in gallery order: what the layout reads. */
  aspects: number[];
  /** Every known run's image count (at least 1), in gallery order: the expanded grid's tiles. */
  counts: number[];
}

function emptyPages(): HistoryPages {
  return { pages: [], ids: new Map(), offsets: [], aspects: [], counts: [] };
}

/** A run's tile shape: its cover's aspect, square until it has one. */
export function runAspect(run: RunSummary): number {
  return run.cover && run.cover.width > 0 && run.cover.height > 0 ? run.cover.width / run.cover.height : 1;
}

interface HistoryState {
  /** Mutated in place; `version` changes with it so views re-render. */
  paged: HistoryPages;
  version: number;
  /** Changes when the order was rebuilt rather than extended (a refresh put new runs in front). */
  epoch: number;
  /** Runs known in gallery order (loaded or dropped). */
  count: number;
  /** Cursor of the next page of the current view (search, filters, sort); null when all are loaded. */
  nextBefore: string | null;
  total: number;
  status: 'idle' | 'loading' | 'ready' | 'error';
  loadingMore: boolean;
  error: AppErrorShape | null;
  /** Card index that holds keyboard focus, kept across re-renders of the virtual grid. */
  focusIndex: number;
  setFocusIndex(index: number): void;
  loadFirst(): Promise<void>;
  /**
   * Loads the next page. Every page-loading call goes through `fetchPage`, the one place that will switch
   * from `runs.list` to the search query.
   */
  loadMore(): Promise<void>;
  /** Keeps the pages around [first, last] loaded (re-fetching dropped ones) and drops those far away. */
  showRange(first: number, last: number): void;
  /** Fetches the newest page and merges it in front: new runs appear, finished ones update. */
  refreshTop(): Promise<void>;
  /** Takes runs moved to the trash out of the loaded list. */
  removeRuns(ids: readonly number[]): void;
  /** The view (search, filters or sort) changed: starts again from its first page. */
  reload(): Promise<void>;
  /**
   * Puts a run's fresh summary on its card (an image of it went to the trash: a new cover, count, marks),
   * reshaping its tile when its cover's shape or image count changed.
   */
  updateRun(run: RunSummary): void;
  /**
   * Boards were renamed or deleted: the board badges of every loaded run follow `names` (each board that
   * exists, by id). Returns how many cards changed.
   */
  followBoards(names: ReadonlyMap<number, string>): number;
  /** Images went on or off a board: these runs' cards, where loaded, take the boards they are on now. */
  setRunBoards(runs: ReadonlyArray<{ id: number; boards: RunBoard[] }>): number;
  /** Puts what the run dialog just changed (rating, tags) on the run's card, without a reload. */
  patchRun(id: number, patch: Pick<RunSummary, 'bestRating' | 'tags'>): void;
}

const sameBoards = (a: readonly RunBoard[], b: readonly RunBoard[]) =>
  a.length === b.length && a.every((board, i) => board.id === b[i]!.id && board.name === b[i]!.name);

/** Board badges in the order the core lists them (name ignoring case, then id). */
function byBoardName(a: { id: number; name: string }, b: { id: number; name: string }): number {
  const x = a.name.toLowerCase();
  const y = b.name.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a.id - b.id;
}

/** The run at a gallery index, or null when its page is dropped (or the index is past the end). */
/** The same runs, in the same order, with the same marks (a page as the server sends it, key for key). */
function sameRuns(a: readonly RunSummary[], b: readonly RunSummary[]): boolean {
  return a.length === b.length && a.every((run, i) => JSON.stringify(run) === JSON.stringify(b[i]));
}

export function runAt(paged: HistoryPages, index: number): RunSummary | null {
  const page = paged.pages[pageOf(paged, index)];
  if (!page?.items) return null;
  return page.items[index - paged.offsets[page.index]!] ?? null;
}

/** The page holding a gallery index (binary search over page offsets). */
export function pageOf(paged: HistoryPages, index: number): number {
  let lo = 0;
  let hi = paged.offsets.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (paged.offsets[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Every loaded run, in order (for tests and small lists; the view reads `runAt`). */
export function loadedRuns(paged: HistoryPages): RunSummary[] {
  return paged.pages.flatMap((page) => page.items ?? []);
}

/** The one call that loads a page of History: the view's search, filters and sort (./filters), by cursor. */
async function fetchPage(before: string | undefined) {
  const result = await api.call('runs.search', searchInput(before ?? null, PAGE));
  if (!result.ok) return result;
  const { items, nextCursor, total } = result.value;
  // The total is counted with the first page only; later pages keep the one already shown.
  return {
    ok: true as const,
    value: { items, nextBefore: nextCursor, total: total ?? useHistoryStore.getState().total },
  };
}

/** Merging fresh runs in front by id holds only for newest first. */
function newestFirst(): boolean {
  const { sort } = useHistoryFilters.getState();
  return sort.key === 'date' && sort.dir === 'desc';
}

let topSeq = 0;
/** The first page while it is on its way (see `loadFirst`). */
let firstInFlight: Promise<void> | null = null;
const refetching = new Set<number>();

export const useHistoryStore = create<HistoryState>()((set, get) => {
  const bump = (patch: Partial<HistoryState> = {}) =>
    set((state) => ({ ...patch, version: state.version + 1 }));

  /**
   * Gives each loaded run the boards `next` says (null: unchanged), re-rendering once when a card changed;
   * returns how many did. One pass over the loaded pages, which stay bounded (far pages drop their runs).
   */
  function reboard(next: (run: RunSummary) => RunBoard[] | null): number {
    let changed = 0;
    for (const page of get().paged.pages) {
      if (!page.items) continue;
      let items: RunSummary[] | null = null;
      page.items.forEach((run, at) => {
        const boards = next(run);
        if (boards === null || sameBoards(boards, run.boards ?? [])) return;
        items ??= page.items!.slice();
        items[at] = { ...run, boards };
        changed += 1;
      });
      if (items) page.items = items;
    }
    if (changed > 0) bump();
    return changed;
  }

  function appendPage(items: RunSummary[], before: string | undefined) {
    const { paged } = get();
    const index = paged.pages.length;
    // Keyset pages never overlap; a refresh can still have pushed a run across, so only the page before is checked.
    const previous = paged.ids.get(index - 1);
    const fresh = previous ? items.filter((item) => !previous.has(item.id)) : items;
    const aspects = fresh.map(runAspect);
    paged.offsets.push(paged.aspects.length);
    paged.pages.push({ index, before, items: fresh, aspects });
    paged.ids.set(index, new Set(fresh.map((item) => item.id)));
    for (const aspect of aspects) paged.aspects.push(aspect);
    for (const item of fresh) paged.counts.push(Math.max(1, item.outputsCount));
  }

  return {
    paged: emptyPages(),
    version: 0,
    epoch: 0,
    count: 0,
    nextBefore: null,
    total: 0,
    status: 'idle',
    loadingMore: false,
    error: null,
    focusIndex: 0,

    setFocusIndex(index) {
      set({ focusIndex: index });
    },

    loadFirst() {
      // Start-up asks as early as it can (./start.ts) and the view asks again when it mounts: one request.
      if (firstInFlight) return firstInFlight;
      if (get().status === 'idle' || get().status === 'error') set({ status: 'loading', error: null });
      firstInFlight = get()
        .refreshTop()
        .finally(() => {
          firstInFlight = null;
        });
      return firstInFlight;
    },

    async loadMore() {
      const { nextBefore, loadingMore, status } = get();
      if (nextBefore === null || loadingMore || status !== 'ready') return;
      set({ loadingMore: true });
      const result = await fetchPage(nextBefore);
      if (!result.ok) {
        set({ loadingMore: false, error: result.error });
        return;
      }
      appendPage(result.value.items, nextBefore);
      const { paged } = get();
      bump({
        loadingMore: false,
        error: null,
        count: paged.aspects.length,
        nextBefore: result.value.nextBefore,
        total: result.value.total,
      });
      const last = paged.pages.length - 1;
      get().showRange(paged.offsets[last]!, paged.aspects.length - 1);
    },

    showRange(first, last) {
      const { paged } = get();
      if (paged.pages.length === 0) return;
      const from = Math.max(0, pageOf(paged, Math.max(0, first)) - KEEP_PAGES);
      const to = pageOf(paged, Math.max(0, last)) + KEEP_PAGES;
      let dropped = false;
      for (const [index] of paged.ids) {
        // Page 0 always stays: a refresh merges new runs into it.
        if (index === 0 || (index >= from && index <= to)) continue;
        paged.pages[index]!.items = null;
        paged.ids.delete(index);
        dropped = true;
      }
      if (dropped) bump();
      for (let index = from; index <= Math.min(to, paged.pages.length - 1); index++) {
        const page = paged.pages[index]!;
        if (page.items || refetching.has(index)) continue;
        refetching.add(index);
        const epoch = get().epoch;
        void fetchPage(page.before).then((result) => {
          refetching.delete(index);
          if (!result.ok || get().epoch !== epoch || get().paged !== paged) return;
          // The page keeps its length: runs deleted meanwhile leave their place to the next ones.
          const items = result.value.items.slice(0, page.aspects.length);
          page.items = items;
          paged.ids.set(index, new Set(items.map((item) => item.id)));
          bump();
        });
      }
    },

    removeRuns(ids) {
      const gone = new Set(ids);
      const { paged } = get();
      let removed = 0;
      const aspects: number[] = [];
      const counts: number[] = [];
      paged.pages.forEach((page, i) => {
        const start = paged.offsets[i]!;
        const pageCounts = paged.counts.slice(start, start + page.aspects.length);
        paged.offsets[i] = aspects.length;
        const items = page.items;
        if (items?.some((item) => gone.has(item.id))) {
          const kept = items.filter((item) => !gone.has(item.id));
          removed += items.length - kept.length;
          page.items = kept;
          page.aspects = kept.map(runAspect);
          paged.ids.set(i, new Set(kept.map((item) => item.id)));
          for (const aspect of page.aspects) aspects.push(aspect);
          for (const item of kept) counts.push(Math.max(1, item.outputsCount));
        } else {
          for (const aspect of page.aspects) aspects.push(aspect);
          for (const n of pageCounts) counts.push(n);
        }
      });
      if (removed === 0) return;
      // Rebuilt in place (no spread: the arrays can hold every run of a deep scroll).
      paged.aspects.length = 0;
      for (const aspect of aspects) paged.aspects.push(aspect);
      paged.counts.length = 0;
      for (const n of counts) paged.counts.push(n);
      bump({
        epoch: get().epoch + 1,
        count: paged.aspects.length,
        total: Math.max(0, get().total - removed),
      });
    },

    followBoards(names) {
      return reboard((run) => {
        if (!run.boards?.length) return null;
        const next = run.boards.flatMap((b) => {
          const name = names.get(b.id);
          return name === undefined ? [] : [{ id: b.id, name }];
        });
        return next.sort(byBoardName);
      });
    },

    setRunBoards(runs) {
      const byRun = new Map(runs.map((run) => [run.id, run.boards]));
      return reboard((run) => byRun.get(run.id) ?? null);
    },

    updateRun(run) {
      const { paged } = get();
      for (const [index, ids] of paged.ids) {
        if (!ids.has(run.id)) continue;
        const page = paged.pages[index]!;
        const at = page.items!.findIndex((item) => item.id === run.id);
        const current = page.items![at]!;
        // A RunDetail carries more than a card needs: keep the card's fields only.
        const summary: RunSummary = { ...current };
        for (const key of Object.keys(current) as (keyof RunSummary)[])
          (summary as Record<string, unknown>)[key] = run[key];
        page.items = page.items!.slice();
        page.items[at] = summary;
        const slot = paged.offsets[index]! + at;
        const aspect = runAspect(summary);
        const count = Math.max(1, summary.outputsCount);
        const reshaped = paged.aspects[slot] !== aspect || paged.counts[slot] !== count;
        page.aspects[at] = aspect;
        paged.aspects[slot] = aspect;
        paged.counts[slot] = count;
        bump(reshaped ? { epoch: get().epoch + 1 } : {});
        return;
      }
    },

    patchRun(id, patch) {
      const { paged } = get();
      for (const [index, ids] of paged.ids) {
        if (!ids.has(id)) continue;
        const page = paged.pages[index]!;
        const items = page.items!;
        const at = items.findIndex((item) => item.id === id);
        const current = items[at]!;
        if (current.bestRating === patch.bestRating && sameTags(current.tags, patch.tags)) return;
        page.items = items.slice();
        page.items[at] = { ...current, ...patch };
        bump();
        return;
      }
    },

    async reload() {
      set({
        paged: emptyPages(),
        status: 'loading',
        error: null,
        nextBefore: null,
        loadingMore: false,
        focusIndex: 0,
      });
      bump({ count: 0, epoch: get().epoch + 1 });
      await get().refreshTop();
    },

    async refreshTop() {
      const seq = ++topSeq;
      const result = await fetchPage(undefined);
      if (seq !== topSeq) return;
      if (!result.ok) {
        set((state) => ({ status: state.status === 'ready' ? 'ready' : 'error', error: result.error }));
        return;
      }
      const fresh = result.value.items;
      const old = get().paged;
      const top = old.pages[0];
      // The same single page again (History opened on the page fetched ahead, and nothing changed since): the
      // tiles on screen stay as they are instead of being drawn again while their first thumbnails decode.
      if (
        old.pages.length === 1 &&
        top?.items &&
        result.value.nextBefore === get().nextBefore &&
        sameRuns(top.items, fresh)
      ) {
        set({ status: 'ready', error: null, total: result.value.total });
        return;
      }
      if (
        !top?.items ||
        old.pages.length <= 1 ||
        fresh.length === 0 ||
        result.value.nextBefore === null ||
        !newestFirst()
      ) {
        // Nothing further back to keep (or the fresh page is the whole library, so a run trashed since is
        // gone too): start over from the fresh page.
        const paged = emptyPages();
        set({ paged });
        appendPage(fresh, undefined);
        bump({
          status: 'ready',
          error: null,
          epoch: get().epoch + 1,
          count: paged.aspects.length,
          nextBefore: result.value.nextBefore,
          total: result.value.total,
        });
        return;
      }
      // New runs go in front of page 0 (it grows); the pages further back stay as they are.
      const freshIds = new Set(fresh.map((item) => item.id));
      const oldestFresh = fresh[fresh.length - 1]!.id;
      const kept = top.items.filter((item) => !freshIds.has(item.id) && item.id < oldestFresh);
      const items = [...fresh, ...kept];
      const grew = items.length - top.items.length;
      top.items = items;
      old.ids.set(0, new Set(items.map((item) => item.id)));
      const aspects = items.map(runAspect);
      const counts = items.map((item) => Math.max(1, item.outputsCount));
      const same =
        grew === 0 &&
        aspects.every((aspect, i) => aspect === top.aspects[i]) &&
        counts.every((n, i) => n === old.counts[i]);
      top.aspects = aspects;
      if (!same) {
        for (let i = 1; i < old.offsets.length; i++) old.offsets[i]! += grew;
        old.aspects.splice(0, aspects.length - grew, ...aspects);
        old.counts.splice(0, counts.length - grew, ...counts);
      }
      bump({
        status: 'ready',
        error: null,
        epoch: same ? get().epoch : get().epoch + 1,
        count: old.aspects.length,
        total: result.value.total,
      });
    },
  };
});

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((tag, i) => tag === b[i]);
}

/** What a card shows of a run: its best rating and its tags. */
export function cardMarks(detail: RunDetail): Pick<RunSummary, 'bestRating' | 'tags'> {
  const live = detail.outputs.filter((o) => o.deletedAt === null);
  return { bestRating: Math.max(0, ...live.map((o) => o.rating)), tags: detail.tags };
}

interface RunDetailState {
  runId: number | null;
  detail: RunDetail | null;
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: AppErrorShape | null;
  /** An error from rating or tagging, shown in the dialog without losing the run. */
  actionError: AppErrorShape | null;
  load(id: number): Promise<void>;
  reloadIfOpen(id: number): Promise<void>;
  clear(): void;
  rate(outputId: number, rating: number): Promise<void>;
  setTags(tags: string[]): Promise<void>;
}

export const useRunDetailStore = create<RunDetailState>()((rawSet, get) => {
  // The dialog's run is the truth for its card: every change here lands on the card at once.
  const set = (partial: Partial<RunDetailState>) => {
    rawSet(partial);
    if (partial.detail) useHistoryStore.getState().patchRun(partial.detail.id, cardMarks(partial.detail));
  };
  // A read of the run asked before a rating or tag edit (a check finishing, say) would undo the edit on screen:
  // the guard drops it and the run is read again once the edit is in.
  const guard = editGuard(() => {
    const id = get().runId;
    if (id !== null) void get().reloadIfOpen(id);
  });
  const read = (id: number) => guard.read(() => api.call('runs.get', { id }));
  return {
    runId: null,
    detail: null,
    status: 'idle',
    error: null,
    actionError: null,

    async load(id) {
      set({
        runId: id,
        status: 'loading',
        error: null,
        actionError: null,
        detail: get().runId === id ? get().detail : null,
      });
      const result = await read(id);
      if (get().runId !== id || result === null) return;
      if (!result.ok) set({ status: 'error', error: result.error });
      else set({ status: 'ready', detail: result.value });
    },

    async reloadIfOpen(id) {
      if (get().runId !== id) return;
      const result = await read(id);
      if (get().runId === id && result?.ok) set({ detail: result.value, status: 'ready', error: null });
    },

    clear() {
      set({ runId: null, detail: null, status: 'idle', error: null, actionError: null });
    },

    async rate(outputId, rating) {
      const before = get().detail;
      if (!before) return;
      const patch =
        (value: number) =>
        (detail: RunDetail): RunDetail => ({
          ...detail,
          outputs: detail.outputs.map((output) =>
            output.id === outputId ? { ...output, rating: value } : output,
          ),
        });
      const previous = before.outputs.find((output) => output.id === outputId)?.rating ?? 0;
      set({ detail: patch(rating)(before), actionError: null });
      const result = await guard.edit(() => api.call('runs.rate', { outputId, rating }));
      const now = get().detail;
      if (!result.ok && now && now.id === before.id)
        set({ detail: patch(previous)(now), actionError: result.error });
    },

    async setTags(tags) {
      const before = get().detail;
      if (!before) return;
      set({ detail: { ...before, tags }, actionError: null });
      const result = await guard.edit(() => api.call('runs.tag', { id: before.id, tags }));
      const now = get().detail;
      if (!now || now.id !== before.id) return;
      if (!result.ok) set({ detail: { ...now, tags: before.tags }, actionError: result.error });
      else set({ detail: { ...now, tags: result.value.tags } });
    },
  };
});
