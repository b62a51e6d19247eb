// Boards: the sidebar's list with counts, the board open in its view (paged), the "Add to board" picker and
// the compare dialog. The main process owns the data; `boards.changed` keeps this current.

import { create } from 'zustand';
import type { Board, BoardCursor, BoardOutput, CompareItem } from '../../shared/boards-contract';
import type { AppErrorShape } from '../../shared/result';
import { api } from '../api';

const PAGE = 60;

interface BoardsState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  boards: Board[];
  error: AppErrorShape | null;
  /** The board open in its view, its outputs so far and where the next page starts. */
  openId: number | null;
  items: BoardOutput[];
  next: BoardCursor | null;
  itemsError: AppErrorShape | null;
  /** Outputs the "Add to board" picker is open for. */
  adding: number[] | null;
  /** Outputs open in Compare, in column order, and what the core answered for them. */
  comparing: number[] | null;
  compareItems: CompareItem[];
  compareError: AppErrorShape | null;
  load(): Promise<void>;
  create(name: string): Promise<{ board: Board } | { error: AppErrorShape }>;
  rename(id: number, name: string): Promise<AppErrorShape | null>;
  remove(id: number): Promise<AppErrorShape | null>;
  addOutputs(id: number, outputIds: number[]): Promise<AppErrorShape | null>;
  /** Adds the outputs of runs (a run card dropped on a board). */
  addRuns(id: number, runIds: number[]): Promise<AppErrorShape | null>;
  removeOutputs(id: number, outputIds: number[]): Promise<AppErrorShape | null>;
  setBaseline(id: number, outputId: number | null): Promise<AppErrorShape | null>;
  open(id: number | null): Promise<void>;
  loadMore(): Promise<void>;
  startAdding(outputIds: number[] | null): void;
  compare(outputIds: number[] | null): Promise<void>;
  /** History's selection bar: runs to compare, each by its first live image (2–4). */
  compareRuns(runIds: number[]): Promise<void>;
  /** History's selection bar: the picker opens for every live image of the selected runs. */
  startAddingRuns(runIds: number[]): Promise<void>;
}

/** The live images of each run, in run order; an error when a run cannot be read. */
async function outputsOfRuns(
  runIds: number[],
): Promise<{ ok: true; perRun: number[][] } | { ok: false; error: AppErrorShape }> {
  const perRun: number[][] = [];
  for (const runId of runIds) {
    const run = await api.call('runs.get', { id: runId });
    if (!run.ok) return { ok: false, error: run.error };
    perRun.push(run.value.outputs.filter((o) => o.deletedAt === null).map((o) => o.id));
  }
  return { ok: true, perRun };
}

let listSeq = 0;
let pageSeq = 0;
let compareSeq = 0;

export const useBoardsStore = create<BoardsState>()((set, get) => {
  function put(board: Board): void {
    set((s) => ({ boards: s.boards.map((b) => (b.id === board.id ? board : b)) }));
  }
  return {
    status: 'idle',
    boards: [],
    error: null,
    openId: null,
    items: [],
    next: null,
    itemsError: null,
    adding: null,
    comparing: null,
    compareItems: [],
    compareError: null,

    async load() {
      const seq = ++listSeq;
      if (get().status !== 'ready') set({ status: 'loading' });
      const result = await api.call('boards.list', {});
      if (seq !== listSeq) return;
      if (!result.ok) {
        set({ status: get().boards.length > 0 ? 'ready' : 'error', error: result.error });
        return;
      }
      set({ status: 'ready', error: null, boards: result.value.boards });
      const openId = get().openId;
      if (openId !== null && !result.value.boards.some((b) => b.id === openId))
        set({ openId: null, items: [] });
    },
    async create(name) {
      const result = await api.call('boards.create', { name });
      if (!result.ok) return { error: result.error };
      void get().load();
      return { board: result.value };
    },
    async rename(id, name) {
      const result = await api.call('boards.rename', { id, name });
      if (!result.ok) return result.error;
      put(result.value);
      void get().load();
      return null;
    },
    async remove(id) {
      const result = await api.call('boards.delete', { id });
      if (!result.ok) return result.error;
      if (get().openId === id) set({ openId: null, items: [], next: null });
      void get().load();
      return null;
    },
    async addOutputs(id, outputIds) {
      if (outputIds.length === 0) return null;
      const result = await api.call('boards.addOutputs', { id, outputIds });
      if (!result.ok) return result.error;
      put(result.value.board);
      if (get().openId === id) void get().open(id);
      return null;
    },
    async addRuns(id, runIds) {
      const found = await outputsOfRuns(runIds);
      if (!found.ok) return found.error;
      return get().addOutputs(id, found.perRun.flat());
    },
    async compareRuns(runIds) {
      const found = await outputsOfRuns(runIds);
      if (!found.ok) {
        set({ comparing: [], compareItems: [], compareError: found.error });
        return;
      }
      await get().compare(found.perRun.flatMap((ids) => ids.slice(0, 1)));
    },
    async startAddingRuns(runIds) {
      const found = await outputsOfRuns(runIds);
      if (!found.ok) {
        set({ error: found.error });
        return;
      }
      get().startAdding(found.perRun.flat());
    },
    async removeOutputs(id, outputIds) {
      const result = await api.call('boards.removeOutputs', { id, outputIds });
      if (!result.ok) return result.error;
      put(result.value.board);
      if (get().openId === id) void get().open(id);
      return null;
    },
    async setBaseline(id, outputId) {
      const result = await api.call('boards.setBaseline', { id, outputId });
      if (!result.ok) return result.error;
      put(result.value);
      return null;
    },
    async open(id) {
      const seq = ++pageSeq;
      if (id === null) {
        set({ openId: null, items: [], next: null, itemsError: null });
        return;
      }
      if (get().openId !== id) set({ openId: id, items: [], next: null, itemsError: null });
      const result = await api.call('boards.outputs', { id, limit: PAGE });
      if (seq !== pageSeq) return;
      if (!result.ok) {
        set({ itemsError: result.error });
        return;
      }
      put(result.value.board);
      set({ items: result.value.items, next: result.value.next, itemsError: null });
    },
    async loadMore() {
      const { openId, next } = get();
      if (openId === null || next === null) return;
      const seq = ++pageSeq;
      const result = await api.call('boards.outputs', { id: openId, before: next, limit: PAGE });
      if (seq !== pageSeq) return;
      if (!result.ok) {
        set({ itemsError: result.error });
        return;
      }
      set((s) => ({ items: s.items.concat(result.value.items), next: result.value.next }));
    },
    startAdding(outputIds) {
      set({ adding: outputIds && outputIds.length > 0 ? outputIds : null });
      if (outputIds && get().status === 'idle') void get().load();
    },
    async compare(outputIds) {
      const seq = ++compareSeq;
      if (!outputIds) {
        set({ comparing: null, compareItems: [], compareError: null });
        return;
      }
      set({ comparing: outputIds, compareItems: [], compareError: null });
      const result = await api.call('outputs.compare', { outputIds });
      if (seq !== compareSeq) return;
      if (!result.ok) set({ compareError: result.error });
      else set({ compareItems: result.value.items });
    },
  };
});
