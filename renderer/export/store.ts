// The export dialog's state: where it was opened from, the options, the dry run, the running export.
import { create } from 'zustand';
import type { Board } from '../../shared/boards-contract';
import type {
  AltText,
  ExportItem,
  ExportOptionsInput,
  ExportPlan,
  ExportPreset,
  ExportReport,
  ExportSource,
} from '../../shared/export-contract';
import { DEFAULT_NAME_TEMPLATE } from '../../shared/export-contract';
import type { AppErrorShape } from '../../shared/result';
import { api } from '../api';

/** What History offers as sources when the dialog opens. */
export interface ExportOrigin {
  selection: number[];
  history: Extract<ExportSource, { kind: 'history' }>['query'] | null;
  boardId: number | null;
}

export type SourceKind = ExportSource['kind'];

interface ExportState {
  open: boolean;
  origin: ExportOrigin;
  sourceKind: SourceKind;
  /** Boards to export from (loaded when the dialog opens) and the one chosen. */
  boards: Board[];
  boardId: number | null;
  presets: ExportPreset[];
  options: Omit<ExportOptionsInput, 'source'>;
  items: ExportItem[];
  plan: ExportPlan | null;
  report: ExportReport | null;
  error: AppErrorShape | null;
  /** Opens the dialog; `kind` picks what to export (else the selection when there is one, else approved). */
  show(origin: ExportOrigin, kind?: SourceKind): void;
  close(): void;
  setSource(kind: SourceKind): void;
  setBoard(boardId: number): void;
  setOptions(change: Partial<Omit<ExportOptionsInput, 'source'>>): void;
  source(): ExportSource;
  refresh(): Promise<void>;
  start(): Promise<void>;
  cancel(): Promise<void>;
  progress(report: ExportReport): void;
  altText(alt: AltText): void;
}

let refreshes = 0;

export const useExportStore = create<ExportState>((set, get) => ({
  open: false,
  origin: { selection: [], history: null, boardId: null },
  sourceKind: 'approved',
  boards: [],
  boardId: null,
  presets: [],
  options: { folder: '', presetIds: ['web-hero'], template: DEFAULT_NAME_TEMPLATE, overwrite: 'rename' },
  items: [],
  plan: null,
  report: null,
  error: null,
  show(origin, kind) {
    set({
      open: true,
      origin,
      sourceKind: kind ?? (origin.selection.length > 0 ? 'selection' : 'approved'),
      boardId: origin.boardId,
      report: null,
      error: null,
    });
    void (async () => {
      const [presets, boards] = await Promise.all([
        api.call('export.presets', {}),
        api.call('boards.list', {}),
      ]);
      if (presets.ok) set({ presets: presets.value.presets });
      if (boards.ok) {
        const list = boards.value.boards;
        set({ boards: list, boardId: get().boardId ?? list[0]?.id ?? null });
      }
      await get().refresh();
    })();
  },
  close: () => set({ open: false }),
  setSource(kind) {
    set({ sourceKind: kind });
    void get().refresh();
  },
  setBoard(boardId) {
    set({ boardId, sourceKind: 'board' });
    void get().refresh();
  },
  setOptions(change) {
    set({ options: { ...get().options, ...change } });
    void get().refresh();
  },
  source() {
    const { sourceKind, origin, boardId } = get();
    if (sourceKind === 'selection') return { kind: 'selection', outputIds: origin.selection };
    if (sourceKind === 'board' && boardId !== null) return { kind: 'board', boardId };
    if (sourceKind === 'history' && origin.history) return { kind: 'history', query: origin.history };
    return { kind: 'approved' };
  },
  async refresh() {
    // Typing in the folder or template asks again at every key: only the latest question's answers are kept.
    refreshes += 1;
    const asked = refreshes;
    const source = get().source();
    const items = await api.call('export.items', { source });
    if (asked !== refreshes) return;
    if (!items.ok) {
      set({ items: [], plan: null, error: items.error });
      return;
    }
    set({ items: items.value.items });
    if (get().options.folder.trim() === '') {
      set({ plan: null, error: null });
      return;
    }
    const plan = await api.call('export.plan', { ...get().options, source });
    if (asked !== refreshes) return;
    set(plan.ok ? { plan: plan.value, error: null } : { plan: null, error: plan.error });
  },
  async start() {
    const started = await api.call('export.start', { ...get().options, source: get().source() });
    if (!started.ok) {
      set({ error: started.error });
      return;
    }
    set({ report: started.value, error: null });
    // It may have finished before this answer came: read it once now that the id is known.
    const now = await api.call('export.get', { id: started.value.id });
    if (now.ok) get().progress(now.value);
  },
  async cancel() {
    const report = get().report;
    if (report) await api.call('export.cancel', { id: report.id });
  },
  progress(report) {
    const current = get().report;
    // Events can arrive out of order with the start answer; a finished report is final.
    if (current?.id === report.id && current.state === 'running') set({ report });
  },
  altText(alt) {
    set({
      items: get().items.map((item) => (item.outputId === alt.outputId ? { ...item, altText: alt } : item)),
    });
    void get().refresh();
  },
}));
