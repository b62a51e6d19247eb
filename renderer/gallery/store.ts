// View state of History: the pages of runs loaded so far, and the one run open in the detail dialog.

import { create } from 'zustand';
import type { RunDetail, RunSummary } from '../../shared/domain';
import type { AppErrorShape } from '../../shared/result';
import { api } from '../api';

const PAGE = 60;

interface HistoryState {
  items: RunSummary[];
  nextBefore: number | null;
  total: number;
  status: 'idle' | 'loading' | 'ready' | 'error';
  loadingMore: boolean;
  error: AppErrorShape | null;
  /** Card index that holds keyboard focus, kept across re-renders of the virtual grid. */
  focusIndex: number;
  setFocusIndex(index: number): void;
  loadFirst(): Promise<void>;
  loadMore(): Promise<void>;
  /** Fetches the newest page and merges it in front: new runs appear, finished ones update. */
  refreshTop(): Promise<void>;
  /** Takes runs moved to the trash out of the loaded list. */
  removeRuns(ids: readonly number[]): void;
  /** Puts what the run dialog just changed (rating, tags) on the run's card, without a reload. */
  patchRun(id: number, patch: Pick<RunSummary, 'bestRating' | 'tags'>): void;
}

let topSeq = 0;

export const useHistoryStore = create<HistoryState>()((set, get) => ({
  items: [],
  nextBefore: null,
  total: 0,
  status: 'idle',
  loadingMore: false,
  error: null,
  focusIndex: 0,

  setFocusIndex(index) {
    set({ focusIndex: index });
  },

  async loadFirst() {
    if (get().status === 'idle' || get().status === 'error') set({ status: 'loading', error: null });
    await get().refreshTop();
  },

  async loadMore() {
    const { nextBefore, loadingMore, status } = get();
    if (nextBefore === null || loadingMore || status !== 'ready') return;
    set({ loadingMore: true });
    const result = await api.call('runs.list', { before: nextBefore, limit: PAGE });
    if (!result.ok) {
      set({ loadingMore: false, error: result.error });
      return;
    }
    set((state) => {
      const known = new Set(state.items.map((item) => item.id));
      return {
        loadingMore: false,
        error: null,
        items: [...state.items, ...result.value.items.filter((item) => !known.has(item.id))],
        nextBefore: result.value.nextBefore,
        total: result.value.total,
      };
    });
  },

  patchRun(id, patch) {
    set((state) => {
      const index = state.items.findIndex((item) => item.id === id);
      if (index === -1) return {};
      const current = state.items[index]!;
      if (current.bestRating === patch.bestRating && sameTags(current.tags, patch.tags)) return {};
      const items = [...state.items];
      items[index] = { ...current, ...patch };
      return { items };
    });
  },

  removeRuns(ids) {
    const gone = new Set(ids);
    set((state) => {
      const items = state.items.filter((item) => !gone.has(item.id));
      return { items, total: Math.max(0, state.total - (state.items.length - items.length)) };
    });
  },

  async refreshTop() {
    const seq = ++topSeq;
    const result = await api.call('runs.list', { limit: PAGE });
    if (seq !== topSeq) return;
    if (!result.ok) {
      set((state) => ({ status: state.status === 'ready' ? 'ready' : 'error', error: result.error }));
      return;
    }
    const fresh = result.value.items;
    set((state) => {
      if (state.items.length === 0 || fresh.length === 0) {
        return {
          status: 'ready',
          error: null,
          items: fresh,
          nextBefore: result.value.nextBefore,
          total: result.value.total,
        };
      }
      const freshIds = new Set(fresh.map((item) => item.id));
      const oldestFresh = fresh[fresh.length - 1]!.id;
      // The first page is the last one: nothing older exists (a run trashed since is gone too).
      const older =
        result.value.nextBefore === null
          ? []
          : state.items.filter((item) => !freshIds.has(item.id) && item.id < oldestFresh);
      return {
        status: 'ready',
        error: null,
        items: [...fresh, ...older],
        // Pages already loaded further back stay; otherwise continue from the fresh page.
        nextBefore: older.length > 0 ? state.nextBefore : result.value.nextBefore,
        total: result.value.total,
      };
    });
  },
}));

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((tag, i) => tag === b[i]);
}

/** What a card shows of a run: its best rating and its tags. */
export function cardMarks(detail: RunDetail): Pick<RunSummary, 'bestRating' | 'tags'> {
  return { bestRating: Math.max(0, ...detail.outputs.map((o) => o.rating)), tags: detail.tags };
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
      const result = await api.call('runs.get', { id });
      if (get().runId !== id) return;
      if (!result.ok) set({ status: 'error', error: result.error });
      else set({ status: 'ready', detail: result.value });
    },

    async reloadIfOpen(id) {
      if (get().runId !== id) return;
      const result = await api.call('runs.get', { id });
      if (get().runId === id && result.ok) set({ detail: result.value, status: 'ready', error: null });
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
      const result = await api.call('runs.rate', { outputId, rating });
      const now = get().detail;
      if (!result.ok && now && now.id === before.id)
        set({ detail: patch(previous)(now), actionError: result.error });
    },

    async setTags(tags) {
      const before = get().detail;
      if (!before) return;
      set({ detail: { ...before, tags }, actionError: null });
      const result = await api.call('runs.tag', { id: before.id, tags });
      const now = get().detail;
      if (!now || now.id !== before.id) return;
      if (!result.ok) set({ detail: { ...now, tags: before.tags }, actionError: result.error });
      else set({ detail: { ...now, tags: result.value.tags } });
    },
  };
});
