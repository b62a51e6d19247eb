// The review queue's pending count, shown beside "Review" in the navigation. Kept in app/ so the Nav
// reads it without importing the review feature; the feature puts fresh counts here after each change.
import { create } from 'zustand';
import { api } from '../api';

interface ReviewCountState {
  pending: number | null;
  set(pending: number): void;
  refresh(): Promise<void>;
}

export const useReviewCountStore = create<ReviewCountState>()((set) => ({
  pending: null,
  set(pending) {
    set({ pending });
  },
  async refresh() {
    const result = await api.call('review.counts', {});
    if (result.ok) set({ pending: result.value.pending });
  },
}));
