// The reference library: imports with a result per file, the filtered grid, and the one open in detail.

import { create } from 'zustand';
import type { CallOutput } from '../../shared/contract';
import type {
  Reference,
  ReferenceDetail,
  ReferenceImportResult,
  ReferenceSteer,
} from '../../shared/references-contract';
import type { AppErrorShape, Result } from '../../shared/result';
import { api } from '../api';
import { editGuard } from '../lib/edit-guard';
import { fileToBase64, isImageName, type PickedFile } from '../lib/files';

/** Files per call: the loopback body limit is 64 MiB, so large drops go in batches. */
const BATCH_BYTES = 24 * 1024 * 1024;
const BATCH_FILES = 40;

interface ReferencesState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  items: Reference[];
  total: number;
  nextBefore: number | null;
  error: AppErrorShape | null;
  query: string;
  steers: ReferenceSteer[];
  tags: string[];
  tagCounts: { tag: string; count: number }[];
  steerCounts: Partial<Record<ReferenceSteer, number>>;
  importing: { done: number; total: number } | null;
  results: ReferenceImportResult[];
  openId: number | null;
  detail: ReferenceDetail | null;
  detailError: AppErrorShape | null;
  load(): Promise<void>;
  loadMore(): Promise<void>;
  loadTags(): Promise<void>;
  setQuery(query: string): void;
  toggleSteer(steer: ReferenceSteer): void;
  toggleTag(tag: string): void;
  clearFilters(): void;
  importFiles(files: PickedFile[]): Promise<void>;
  clearResults(): void;
  open(id: number): Promise<void>;
  close(): void;
  /** New quality check results for these references: the grid and the open one show them. */
  checked(ids: readonly number[]): void;
  update(patch: { name?: string; steers?: ReferenceSteer[]; tags?: string[] }): Promise<boolean>;
  remove(): Promise<boolean>;
}

let seq = 0;
let queryTimer: ReturnType<typeof setTimeout> | undefined;
/** References checked after an import arrive one by one: the grid reloads once they pause. */
let checkedTimer: ReturnType<typeof setTimeout> | undefined;
const CHECKED_RELOAD_MS = 300;

export const useReferencesStore = create<ReferencesState>()((set, get) => {
  // A re-read of the open reference asked before a rename or tag edit (its checks landing) would put the old
  // name or tags back on screen: the guard drops it and the reference is read again once the edit is in.
  const guard = editGuard(() => {
    const id = get().openId;
    if (typeof id === 'number') void rereadDetail(id);
  });
  /** The open reference read again (its checks landed). */
  async function rereadDetail(id: number): Promise<void> {
    const result = await guard.read(() => api.call('references.get', { id }));
    if (result?.ok && get().openId === id) set({ detail: result.value });
  }

  function filters() {
    const { query, steers, tags } = get();
    return { ...(query.trim() ? { query: query.trim() } : {}), steers, tags };
  }
  return {
    status: 'idle',
    items: [],
    total: 0,
    nextBefore: null,
    error: null,
    query: '',
    steers: [],
    tags: [],
    tagCounts: [],
    steerCounts: {},
    importing: null,
    results: [],
    openId: null,
    detail: null,
    detailError: null,

    async load() {
      const mine = ++seq;
      if (get().status !== 'ready') set({ status: 'loading' });
      const result: Result<CallOutput<'references.list'>> = await api.call('references.list', {
        ...filters(),
        limit: 200,
      });
      if (mine !== seq) return;
      if (!result.ok) {
        set({ status: get().items.length > 0 ? 'ready' : 'error', error: result.error });
        return;
      }
      set({
        status: 'ready',
        error: null,
        items: result.value.items,
        total: result.value.total,
        nextBefore: result.value.nextBefore,
      });
    },

    async loadMore() {
      const { nextBefore } = get();
      if (nextBefore === null) return;
      const mine = seq;
      const result = await api.call('references.list', { ...filters(), before: nextBefore, limit: 200 });
      if (mine !== seq || !result.ok) return;
      set((state) => ({
        items: [...state.items, ...result.value.items],
        nextBefore: result.value.nextBefore,
      }));
    },

    async loadTags() {
      const result = await api.call('references.tags', {});
      if (!result.ok) return;
      set({
        tagCounts: result.value.tags,
        steerCounts: Object.fromEntries(result.value.steers.map((s) => [s.steer, s.count])),
      });
    },

    setQuery(query) {
      set({ query });
      clearTimeout(queryTimer);
      queryTimer = setTimeout(() => void get().load(), 150);
    },
    toggleSteer(steer) {
      set((s) => ({
        steers: s.steers.includes(steer) ? s.steers.filter((x) => x !== steer) : [...s.steers, steer],
      }));
      void get().load();
    },
    toggleTag(tag) {
      set((s) => ({ tags: s.tags.includes(tag) ? s.tags.filter((x) => x !== tag) : [...s.tags, tag] }));
      void get().load();
    },
    clearFilters() {
      set({ query: '', steers: [], tags: [] });
      void get().load();
    },

    async importFiles(picked) {
      const images = picked.filter((p) => isImageName(p.file.name) || p.file.type.startsWith('image/'));
      const skipped: ReferenceImportResult[] = picked
        .filter((p) => !images.includes(p))
        .map((p) => ({
          name: p.relativePath || p.file.name,
          status: 'refused',
          reason: 'unsupported',
          message: 'Not an image file; skipped.',
        }));
      set({ importing: { done: 0, total: images.length }, results: skipped });
      let batch: { name: string; dataBase64: string }[] = [];
      let bytes = 0;
      const flush = async () => {
        if (batch.length === 0) return;
        const files = batch;
        batch = [];
        bytes = 0;
        const result = await api.call('references.import', { files });
        const results: ReferenceImportResult[] = result.ok
          ? result.value.results
          : files.map((f) => ({
              name: f.name,
              status: 'refused',
              reason: 'corrupt',
              message: result.error.message,
            }));
        set((s) => ({
          results: [...s.results, ...results],
          importing: s.importing ? { ...s.importing, done: s.importing.done + files.length } : null,
        }));
      };
      for (const { file, relativePath } of images) {
        if (bytes + file.size > BATCH_BYTES || batch.length >= BATCH_FILES) await flush();
        batch.push({ name: (relativePath || file.name).slice(-255), dataBase64: await fileToBase64(file) });
        bytes += file.size;
      }
      await flush();
      set({ importing: null });
      void get().load();
      void get().loadTags();
    },

    clearResults() {
      set({ results: [] });
    },

    async open(id) {
      set({ openId: id, detail: null, detailError: null });
      const result = await api.call('references.get', { id });
      if (get().openId !== id) return;
      if (result.ok) set({ detail: result.value });
      else set({ detailError: result.error });
    },

    close() {
      set({ openId: null, detail: null, detailError: null });
    },

    checked(ids) {
      const { status, importing, detail } = get();
      if (status !== 'idle' && importing === null) {
        clearTimeout(checkedTimer);
        checkedTimer = setTimeout(() => void get().load(), CHECKED_RELOAD_MS);
      }
      if (detail && ids.includes(detail.id)) void rereadDetail(detail.id);
    },

    async update(patch) {
      const { detail } = get();
      if (!detail) return false;
      const result = await guard.edit(() => api.call('references.update', { id: detail.id, ...patch }));
      if (!result.ok) {
        set({ detailError: result.error });
        return false;
      }
      set((s) => ({
        detail: s.detail ? { ...s.detail, ...result.value } : s.detail,
        detailError: null,
        items: s.items.map((item) => (item.id === result.value.id ? result.value : item)),
      }));
      void get().loadTags();
      return true;
    },

    async remove() {
      const { detail } = get();
      if (!detail) return false;
      const result = await api.call('references.delete', { id: detail.id });
      if (!result.ok) {
        set({ detailError: result.error });
        return false;
      }
      set((s) => ({ openId: null, detail: null, items: s.items.filter((i) => i.id !== detail.id) }));
      void get().loadTags();
      return true;
    },
  };
});
