import { create } from 'zustand';
import type { QualityProgress } from '../../../shared/quality-contract';

/** The library re-run's progress, fed by the `quality.progress` event from start-up on (settings/start.ts). */
export const useQualityProgressStore = create<{
  progress: QualityProgress | null;
  set(progress: QualityProgress): void;
}>()((set) => ({
  progress: null,
  set: (progress) => set({ progress }),
}));
