// Import from other tools: what is being imported, its progress and report, and the run panel's data.

import { create } from 'zustand';
import type { ImportReport, RunImport } from '../../shared/import-contract';
import type { AppErrorShape } from '../../shared/result';
import { api } from '../api';
import { fileToBase64, isImageName, type PickedFile } from '../lib/files';

/** Bytes and files per `imports.addFiles` call (the call's body limit is one large file plus room). */
const BATCH_BYTES = 24 * 1024 * 1024;
const BATCH_FILES = 25;

interface ImportsState {
  open: boolean;
  /** Files waiting for Import (a drop or a pick), before the import starts. */
  picked: PickedFile[];
  /** A folder path the core reads (browser mode and desktop alike). */
  folderPath: string;
  midjourney: string;
  report: ImportReport | null;
  error: AppErrorShape | null;
  sending: boolean;
  show(files?: PickedFile[]): void;
  close(): void;
  setPicked(files: PickedFile[]): void;
  setFolderPath(path: string): void;
  setMidjourney(text: string): void;
  start(): Promise<void>;
  cancel(): Promise<void>;
  progress(report: ImportReport): void;
}

export const useImportsStore = create<ImportsState>()((set, get) => ({
  open: false,
  picked: [],
  folderPath: '',
  midjourney: '',
  report: null,
  error: null,
  sending: false,
  show(files) {
    const running = get().report?.state === 'running';
    set({ open: true, ...(files && !running ? { picked: files, report: null, error: null } : {}) });
  },
  close() {
    const running = get().report?.state === 'running';
    // Closing never stops an import: it goes on, and the button shows its progress.
    set(running ? { open: false } : { open: false, picked: [], report: null, error: null });
  },
  setPicked: (picked) => set({ picked, report: null, error: null }),
  setFolderPath: (folderPath) => set({ folderPath }),
  setMidjourney: (midjourney) => set({ midjourney }),
  async start() {
    const { picked, folderPath, midjourney } = get();
    const images = picked.filter((p) => isImageName(p.file.name) || p.file.type.startsWith('image/'));
    const paths = folderPath.trim() ? [folderPath.trim()] : [];
    set({ error: null, sending: true });
    const started = await api.call('imports.start', {
      paths,
      expectFiles: images.length,
      midjourneyPrompts: midjourney.trim() ? midjourney : null,
    });
    if (!started.ok) {
      set({ error: started.error, sending: false });
      return;
    }
    set({ report: started.value });
    const id = started.value.id;
    // A folder read by the core can finish before this answer arrives, and its progress events were not
    // ours yet: read the report once now that the id is known.
    const now = await api.call('imports.get', { id });
    if (now.ok) get().progress(now.value);
    let batch: { name: string; dataBase64: string }[] = [];
    let bytes = 0;
    const flush = async (last: boolean) => {
      if (batch.length === 0 && !last) return;
      const files = batch;
      batch = [];
      bytes = 0;
      if (files.length === 0) return;
      const result = await api.call('imports.addFiles', { id, files, last });
      if (result.ok) get().progress(result.value);
      else set({ error: result.error });
    };
    for (let i = 0; i < images.length; i += 1) {
      if (get().report?.state === 'cancelled') break;
      const { file, relativePath } = images[i]!;
      if (batch.length > 0 && (bytes + file.size > BATCH_BYTES || batch.length >= BATCH_FILES))
        await flush(false);
      batch.push({ name: (relativePath || file.name).slice(-4096), dataBase64: await fileToBase64(file) });
      bytes += file.size;
      if (i === images.length - 1) await flush(true);
    }
    set({ sending: false, picked: [] });
  },
  async cancel() {
    const report = get().report;
    if (report?.state !== 'running') return;
    const result = await api.call('imports.cancel', { id: report.id });
    if (result.ok) get().progress(result.value);
  },
  progress(report) {
    const current = get().report;
    if (!current || current.id !== report.id) return;
    // Events and call answers can cross: the one that has seen more files wins, a finished state always.
    if (report.state === 'running' && current.state !== 'running') return;
    if (report.state === 'running' && report.processed < current.processed) return;
    set({ report });
  },
}));

interface RunImportState {
  runId: number | null;
  imported: RunImport | null;
  error: AppErrorShape | null;
  reproducing: string | null;
  reproduced: number | null;
  load(runId: number): Promise<void>;
  reproduce(target: 'comfyui' | 'a1111' | 'route'): Promise<number | null>;
}

export const useRunImportStore = create<RunImportState>()((set, get) => ({
  runId: null,
  imported: null,
  error: null,
  reproducing: null,
  reproduced: null,
  async load(runId) {
    set({ runId, imported: null, error: null, reproduced: null });
    const result = await api.call('imports.forRun', { runId });
    if (get().runId !== runId) return;
    if (result.ok) set({ imported: result.value });
    else set({ error: result.error });
  },
  async reproduce(target) {
    const runId = get().runId;
    if (runId === null) return null;
    set({ reproducing: target, error: null });
    const result = await api.call('imports.reproduce', { runId, target });
    set({ reproducing: null });
    if (!result.ok) {
      set({ error: result.error });
      return null;
    }
    set({ reproduced: result.value.runId });
    return result.value.runId;
  },
}));
