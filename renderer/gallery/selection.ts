// History's selection and view preferences: which runs are picked (click, Shift-click, Ctrl/Cmd-click,
// all matching), how many tiles a row holds, grid or list, grouped or expanded.

import { create } from 'zustand';

export type SelectMode = 'only' | 'toggle' | 'range';

interface SelectionState {
  ids: Set<number>;
  /** Gallery index the next Shift-click extends from. */
  anchor: number | null;
  /** "Select all matching": every run the gallery matches, loaded or not. */
  all: boolean;
  /** Applies a click on the run at `index`; `idsBetween` lists the ids of a range (gallery order). */
  click(
    index: number,
    id: number,
    mode: SelectMode,
    idsBetween: (from: number, to: number) => number[],
  ): void;
  /** Where the next Shift-click extends from, without selecting (a plain click that opened a run). */
  setAnchor(index: number): void;
  selectAll(): void;
  clear(): void;
}

export const useSelection = create<SelectionState>()((set, get) => ({
  ids: new Set(),
  anchor: null,
  all: false,

  click(index, id, mode, idsBetween) {
    const { ids, anchor } = get();
    if (mode === 'range' && anchor !== null) {
      const from = Math.min(anchor, index);
      const to = Math.max(anchor, index);
      set({ ids: new Set(idsBetween(from, to)), all: false });
      return;
    }
    if (mode === 'toggle') {
      const next = new Set(ids);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      set({ ids: next, anchor: index, all: false });
      return;
    }
    set({ ids: new Set([id]), anchor: index, all: false });
  },

  setAnchor(index) {
    set({ anchor: index });
  },

  selectAll() {
    set({ all: true, anchor: null });
  },

  clear() {
    set({ ids: new Set(), anchor: null, all: false });
  },
}));

/** How many selected, counting "all matching" as the total. */
export function selectedCount(state: Pick<SelectionState, 'ids' | 'all'>, total: number): number {
  return state.all ? total : state.ids.size;
}

export type GalleryMode = 'grid' | 'list';

/** Its own key: the search and filters live under `atelier.history.view` (./filters.ts). */
export const PREFS_KEY = 'atelier.history.layout';
export const DENSITY_MIN = 4;
export const DENSITY_MAX = 12;

export interface GalleryPrefs {
  /** Square tiles per row, at the grid's own width. */
  density: number;
  mode: GalleryMode;
  /** Multi-image runs: one tile with a count (grouped) or one tile per image (expanded). */
  expanded: boolean;
  /** The filter selects shown under the search box, or folded away to give the grid the height. */
  filters: boolean;
}

function readPrefs(): GalleryPrefs {
  const fallback: GalleryPrefs = { density: 6, mode: 'grid', expanded: false, filters: true };
  try {
    const raw = JSON.parse(localStorage.getItem(PREFS_KEY) ?? 'null') as Partial<GalleryPrefs> | null;
    if (!raw || typeof raw !== 'object') return fallback;
    const density = Number(raw.density);
    return {
      density: Number.isInteger(density)
        ? Math.min(DENSITY_MAX, Math.max(DENSITY_MIN, density))
        : fallback.density,
      mode: raw.mode === 'list' ? 'list' : 'grid',
      expanded: raw.expanded === true,
      filters: raw.filters !== false,
    };
  } catch (error) {
    // A hand-edited or corrupt entry: start from the defaults rather than fail the view.
    console.warn('History view preferences were unreadable; using defaults', error);
    return fallback;
  }
}

interface PrefsState extends GalleryPrefs {
  set(patch: Partial<GalleryPrefs>): void;
}

export const useGalleryPrefs = create<PrefsState>()((set, get) => ({
  ...readPrefs(),
  set(patch) {
    set(patch);
    const { density, mode, expanded, filters } = get();
    localStorage.setItem(PREFS_KEY, JSON.stringify({ density, mode, expanded, filters }));
  },
}));
