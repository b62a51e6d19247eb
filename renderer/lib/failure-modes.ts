// The words for a rejection's reason: its failure mode's label, or, when the mode was removed from the list
// in Settings → Review, the label it last had (a rejection never shows a bare id).
import type { FailureMode, RetiredFailureMode } from '../../shared/review-contract';

export interface ReasonText {
  label: string;
  /** The mode is no longer in the list: no mitigation to apply. */
  removed: boolean;
}

export function reasonText(
  id: string,
  modes: readonly Pick<FailureMode, 'id' | 'label'>[],
  retired: readonly RetiredFailureMode[],
): ReasonText {
  const current = modes.find((m) => m.id === id);
  if (current) return { label: current.label, removed: false };
  const old = retired.find((m) => m.id === id);
  return { label: old ? old.label : 'A reason no longer listed', removed: true };
}
