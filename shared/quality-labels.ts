// The quality gate's words on screen: each check's name and History's "Checks" filter. Free of zod, so History's
// first screen shows them without the quality contract's schemas (./quality-contract.ts re-exports them).

/** The checks the gate runs (`QualityCheckId` in ./quality-contract.ts). */
export const QUALITY_CHECKS = ['size', 'blank', 'duplicate', 'nsfw', 'text'] as const;
type QualityCheckId = (typeof QUALITY_CHECKS)[number];

/** Each check as a designer reads it. */
export const QUALITY_CHECK_LABELS: Record<QualityCheckId, string> = {
  size: 'Size and aspect',
  blank: 'Blank frame',
  duplicate: 'Near-duplicate',
  nsfw: 'NSFW',
  text: 'Text rendering',
};

/** History's "Checks" filter: a run matches when one of its live images is in that state. */
export const QUALITY_FILTERS = ['failed', 'not_run', 'passed', 'unchecked'] as const;
export type QualityFilter = (typeof QUALITY_FILTERS)[number];
export const QUALITY_FILTER_LABELS: Record<QualityFilter, string> = {
  failed: 'A check failed',
  not_run: 'A check not run',
  passed: 'All checks passed',
  unchecked: 'Not checked yet',
};
