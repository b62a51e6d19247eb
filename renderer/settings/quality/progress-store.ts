import { create } from 'zustand';
import type { QualityProgress } from '../../../shared/quality-contract';

/**
 * The library re-run's progress, fed by the `quality.progress` event from start-up on (settings/start.ts) and by
 * the answers of `quality.rerun` / `cancelRerun` / `progress`. Those can arrive after a newer event (a re-run of
 * one reference is done before its call's answer is read): the report with the highest revision wins.
 */
export const useQualityProgressStore = create<{
  progress: QualityProgress | null;
  set(progress: QualityProgress): void;
}>()((set, get) => ({
  progress: null,
  set: (progress) => {
    const shown = get().progress;
    if (shown && shown.revision > progress.revision) return;
    set({ progress });
  },
}));
