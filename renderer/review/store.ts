// The review queue: pending outputs oldest first, a cursor, and the undo stack. Each change answers
// with the marks it replaced; Z writes the newest back and returns the cursor to that output.
import { create } from 'zustand';
import type { AppErrorShape } from '../../shared/result';
import type {
  FailureMode,
  RetiredFailureMode,
  ReviewItem,
  ReviewSnapshot,
} from '../../shared/review-contract';
import { api } from '../api';
import { useReviewCountStore } from '../app/review-count';

interface UndoEntry {
  previous: ReviewSnapshot[];
  index: number;
}

/** Outputs asked for at a time; the next ones are asked for when the cursor comes within AHEAD of the end. */
const PAGE = 200;
const AHEAD = 20;

interface ReviewState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  /** The queue as far as it is loaded: every output shown since it loaded, decided or not, oldest first. */
  items: ReviewItem[];
  /** Whether pending outputs past the last loaded one may remain. */
  more: boolean;
  modes: FailureMode[];
  /** Reasons removed from the list, by their last label: older rejections still read. */
  retired: RetiredFailureMode[];
  index: number;
  undo: UndoEntry[];
  error: AppErrorShape | null;
  /** The sign-off reference the next approvals carry. */
  approvalRef: string;
  load(): Promise<void>;
  /** New quality results landed: the shown items take their flags (order and cursor stay). */
  refreshFlags(): Promise<void>;
  move(step: number): void;
  approve(): Promise<void>;
  reject(reason: string): Promise<void>;
  rate(rating: number): Promise<void>;
  toggleFavorite(): Promise<void>;
  undoLast(): Promise<void>;
  setApprovalRef(value: string): void;
}

/** Applies a snapshot's marks to the item shown. */
function fromSnapshot(item: ReviewItem, s: ReviewSnapshot): ReviewItem {
  return {
    ...item,
    status: s.status,
    rejectReason: s.rejectReason,
    approvalRef: s.approvalRef,
    favorite: s.favorite,
    rating: s.rating,
  };
}

export const useReviewStore = create<ReviewState>()((set, get) => {
  // Keys come faster than answers: each change waits for the one before, so the cursor it acts on is current.
  let chain: Promise<void> = Promise.resolve();
  const serial = (work: () => Promise<void>): Promise<void> => {
    chain = chain.then(work, work);
    return chain;
  };

  /** Loads the next page once the cursor nears the end of what is loaded. */
  let toppingUp = false;
  async function topUp() {
    const { items, index, more, status } = get();
    if (status !== 'ready' || !more || toppingUp || items.length - 1 - index > AHEAD) return;
    toppingUp = true;
    try {
      const after = items.at(-1)?.outputId ?? null;
      const result = await api.call('review.queue', { limit: PAGE, after });
      if (!result.ok) {
        set({ error: result.error });
        return;
      }
      useReviewCountStore.getState().set(result.value.counts.pending);
      set((state) => {
        // A reload meanwhile started the queue over: this page belongs to the old one.
        if (state.items.at(-1)?.outputId !== after) return state;
        return { items: [...state.items, ...result.value.items], more: result.value.items.length === PAGE };
      });
    } finally {
      toppingUp = false;
    }
  }

  async function change(
    call: () => ReturnType<typeof api.call<'review.decide'>>,
    patch: (item: ReviewItem) => ReviewItem,
    advance: boolean,
  ) {
    const { items, index } = get();
    const item = items[index];
    if (!item) return;
    const result = await call();
    if (!result.ok) {
      set({ error: result.error });
      return;
    }
    useReviewCountStore.getState().set(result.value.counts.pending);
    set((state) => ({
      error: null,
      items: state.items.map((i) => (i.outputId === item.outputId ? patch(i) : i)),
      undo: [...state.undo, { previous: result.value.previous, index }].slice(-100),
      index: advance ? Math.min(index + 1, state.items.length - 1) : index,
    }));
    if (advance) void topUp();
  }

  return {
    status: 'idle',
    items: [],
    more: false,
    modes: [],
    retired: [],
    index: 0,
    undo: [],
    error: null,
    approvalRef: '',
    async refreshFlags() {
      const { status, items, index } = get();
      if (status !== 'ready') return;
      // The pending outputs from the one shown on (the queue is in output order).
      const queue = await api.call('review.queue', {
        limit: PAGE,
        after: items[index - 1]?.outputId ?? null,
      });
      if (!queue.ok) return;
      const flags = new Map(queue.value.items.map((i) => [i.outputId, i.flags]));
      set((state) => ({
        items: state.items.map((i) => (flags.has(i.outputId) ? { ...i, flags: flags.get(i.outputId)! } : i)),
      }));
    },
    async load() {
      set({ status: 'loading' });
      const [queue, modes] = await Promise.all([
        api.call('review.queue', { limit: PAGE, after: null }),
        api.call('review.modes', {}),
      ]);
      if (!queue.ok || !modes.ok) {
        set({ status: 'error', error: !queue.ok ? queue.error : modes.ok ? null : modes.error });
        return;
      }
      useReviewCountStore.getState().set(queue.value.counts.pending);
      set({
        status: 'ready',
        items: queue.value.items,
        more: queue.value.items.length === PAGE,
        modes: modes.value.modes,
        retired: modes.value.retired,
        index: 0,
        undo: [],
        error: null,
      });
    },
    move(step) {
      set((state) => ({ index: Math.max(0, Math.min(state.items.length - 1, state.index + step)) }));
      void topUp();
    },
    approve() {
      return serial(() => {
        const item = get().items[get().index];
        const approvalRef = get().approvalRef.trim() || null;
        return change(
          () =>
            api.call('review.decide', {
              outputIds: [item!.outputId],
              decision: { status: 'approved', approvalRef },
            }),
          (i) => ({ ...i, status: 'approved', approvalRef, rejectReason: null }),
          true,
        );
      });
    },
    reject(reason) {
      return serial(() => {
        const item = get().items[get().index];
        return change(
          () =>
            api.call('review.decide', {
              outputIds: [item!.outputId],
              decision: { status: 'rejected', reason, note: null },
            }),
          (i) => ({ ...i, status: 'rejected', rejectReason: reason, approvalRef: null }),
          false,
        );
      });
    },
    rate(rating) {
      return serial(() => {
        const item = get().items[get().index];
        return change(
          () => api.call('review.rate', { outputId: item!.outputId, rating }),
          (i) => ({ ...i, rating }),
          false,
        );
      });
    },
    toggleFavorite() {
      return serial(() => {
        const item = get().items[get().index];
        const favorite = !item?.favorite;
        return change(
          () => api.call('review.favorite', { outputIds: [item!.outputId], favorite }),
          (i) => ({ ...i, favorite }),
          false,
        );
      });
    },
    undoLast() {
      return serial(() => undo());
    },
    setApprovalRef(value) {
      set({ approvalRef: value });
    },
  };

  async function undo() {
    {
      const last = get().undo.at(-1);
      if (!last) return;
      const result = await api.call('review.undo', { previous: last.previous });
      if (!result.ok) {
        set({ error: result.error });
        return;
      }
      useReviewCountStore.getState().set(result.value.counts.pending);
      const byId = new Map(last.previous.map((s) => [s.outputId, s]));
      set((state) => ({
        error: null,
        undo: state.undo.slice(0, -1),
        index: last.index,
        items: state.items.map((i) => {
          const s = byId.get(i.outputId);
          return s ? fromSnapshot(i, s) : i;
        }),
      }));
    }
  }
});
