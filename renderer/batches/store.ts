// Batches: the list on the Batches screen (kept current by `batch.updated` / `batch.item`), the items of the
// batch that is open, and the "Batch…" dialog Generate opens on its request.

import { create } from 'zustand';
import type { BatchEstimate, BatchItem, BatchSpecInput, BatchSummary } from '../../shared/batches-contract';
import type { AspectRatio, GenerationRequest } from '../../shared/domain';
import type { AppErrorShape } from '../../shared/result';
import { api } from '../api';

export interface Compose {
  request: GenerationRequest;
  /** The template's variables, each a row of the prompt matrix. */
  variables: string[];
  styleName: string | null;
  name: string;
  variants: number;
  aspectRatios: AspectRatio[];
  /** Variable -> values as typed, one per line or comma-separated. */
  matrix: Record<string, string>;
  /** Style version ids to render the prompt in. */
  styles: number[];
}

/** A matrix cell's text as values: one per line, or separated by commas; blanks dropped. */
export function matrixValues(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

export function specOf(compose: Compose): BatchSpecInput {
  const matrix: Record<string, string[]> = {};
  for (const [name, text] of Object.entries(compose.matrix)) {
    const values = matrixValues(text);
    if (values.length > 0) matrix[name] = values;
  }
  return {
    name: compose.name.trim(),
    request: compose.request,
    variants: compose.variants,
    matrix,
    aspectRatios: compose.aspectRatios,
    styles: compose.styles,
  };
}

interface BatchesState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  batches: BatchSummary[];
  error: AppErrorShape | null;
  /** The batch whose items are shown. */
  openId: number | null;
  items: BatchItem[];
  load(): Promise<void>;
  /** Shows a batch's items (null hides them); `reread` reads once more when an event overtook the answer. */
  open(batchId: number | null, reread?: boolean): Promise<void>;
  /** A batch's new state from an event or an action's answer. */
  put(batch: BatchSummary): void;
  putItem(item: BatchItem): void;
  act(action: 'pause' | 'resume' | 'cancel', batchId: number): Promise<void>;
  retry(batchId: number, indexes: number[] | 'all'): Promise<void>;

  compose: Compose | null;
  estimate: BatchEstimate | null;
  estimating: boolean;
  composeError: AppErrorShape | null;
  starting: boolean;
  startCompose(compose: Pick<Compose, 'request' | 'variables' | 'styleName'>): void;
  editCompose(patch: Partial<Compose>): void;
  closeCompose(): void;
  /** Records and starts the batch; resolves to its id, or null when refused (the reason in composeError). */
  create(): Promise<number | null>;
}

let estimateSeq = 0;
let estimateTimer: ReturnType<typeof setTimeout> | undefined;

export const useBatchesStore = create<BatchesState>()((set, get) => {
  /** The estimate follows the dialog, debounced: item count, cost per provider and any refusal. */
  const reestimate = () => {
    clearTimeout(estimateTimer);
    const compose = get().compose;
    if (!compose) return;
    set({ estimating: true });
    estimateTimer = setTimeout(async () => {
      const seq = ++estimateSeq;
      const result = await api.call('batches.estimate', specOf(compose));
      if (seq !== estimateSeq || get().compose === null) return;
      if (result.ok) set({ estimate: result.value, composeError: null, estimating: false });
      else set({ estimate: null, composeError: result.error, estimating: false });
    }, 200);
  };
  return {
    status: 'idle',
    batches: [],
    error: null,
    openId: null,
    items: [],
    async load() {
      if (get().status === 'idle') set({ status: 'loading' });
      const result = await api.call('batches.list', {});
      if (!result.ok) {
        set({ status: 'error', error: result.error });
        return;
      }
      // Summaries events brought while the list was read are newer than the list's.
      const known = new Map(get().batches.map((b) => [b.id, b]));
      const batches = result.value.batches.map((b) => {
        const seen = known.get(b.id);
        return seen && seen.revision > b.revision ? seen : b;
      });
      set({ status: 'ready', batches, error: null });
    },
    async open(batchId, reread = true) {
      set({ openId: batchId, items: batchId === null ? [] : get().items });
      if (batchId === null) return;
      const result = await api.call('batches.get', { batchId });
      if (get().openId !== batchId) return;
      if (!result.ok) {
        set({ error: result.error });
        return;
      }
      const known = get().batches.find((b) => b.id === batchId);
      // An event newer than this answer arrived meanwhile: its items may be newer too, so read again.
      if (known && known.revision > result.value.batch.revision && reread) return get().open(batchId, false);
      set({ items: result.value.items });
      get().put(result.value.batch);
    },
    put(batch) {
      const batches = get().batches;
      const at = batches.findIndex((b) => b.id === batch.id);
      if (at !== -1 && batches[at]!.revision > batch.revision) return; // an older answer, overtaken by an event
      if (at === -1) set({ batches: [batch, ...batches] });
      else set({ batches: batches.map((b) => (b.id === batch.id ? batch : b)) });
    },
    putItem(item) {
      if (item.batchId !== get().openId) return;
      set({ items: get().items.map((i) => (i.index === item.index ? item : i)) });
    },
    async act(action, batchId) {
      const result = await api.call(`batches.${action}`, { batchId });
      if (result.ok) get().put(result.value);
      else set({ error: result.error });
    },
    async retry(batchId, indexes) {
      const result = await api.call('batches.retry', { batchId, indexes });
      if (result.ok) {
        set({ error: null });
        get().put(result.value);
        await get().open(batchId);
      } else set({ error: result.error });
    },

    compose: null,
    estimate: null,
    estimating: false,
    composeError: null,
    starting: false,
    startCompose({ request, variables, styleName }) {
      set({
        compose: {
          request,
          variables,
          styleName,
          name: '',
          variants: 2,
          aspectRatios: [],
          matrix: Object.fromEntries(variables.map((v) => [v, ''])),
          styles: [],
        },
        estimate: null,
        composeError: null,
      });
      reestimate();
    },
    editCompose(patch) {
      const compose = get().compose;
      if (!compose) return;
      set({ compose: { ...compose, ...patch } });
      reestimate();
    },
    closeCompose() {
      clearTimeout(estimateTimer);
      set({ compose: null, estimate: null, composeError: null, estimating: false });
    },
    async create() {
      const compose = get().compose;
      if (!compose) return null;
      set({ starting: true });
      const result = await api.call('batches.create', specOf(compose));
      set({ starting: false });
      if (!result.ok) {
        set({ composeError: result.error });
        return null;
      }
      get().closeCompose();
      await get().load();
      return result.value.batchId;
    },
  };
});
