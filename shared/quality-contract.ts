// The automated quality gate: each output's check results, the Settings → Quality choices, and the
// "re-run checks on the library" job. Spread into shared/contract.ts.
import { z } from 'zod';
import { TASK_TYPES } from './constants';
import { ProviderSafety } from './domain';
import { QUALITY_CHECKS } from './quality-labels';

export const QualityCheckId = z.enum(QUALITY_CHECKS);
export type QualityCheckId = z.infer<typeof QualityCheckId>;

export {
  QUALITY_CHECK_LABELS,
  QUALITY_CHECKS,
  QUALITY_FILTER_LABELS,
  QUALITY_FILTERS,
  type QualityFilter,
} from './quality-labels';

export const QualityResult = z.enum(['pass', 'fail', 'not_run']);
export type QualityResult = z.infer<typeof QualityResult>;

/**
 * What a check saw, by name; `providerFlag` is typed because screens show it (parsed where the row is read, so
 * a screen reads it as it is).
 */
export const CheckDetails = z.looseObject({ providerFlag: ProviderSafety.nullable().optional() });
export type CheckDetails = z.infer<typeof CheckDetails>;

/** One check's verdict on one output. */
export const QualityCheckRecord = z.object({
  outputId: z.number(),
  check: QualityCheckId,
  result: QualityResult,
  /** What was measured (deviation, detail, Hamming distance, probability, edit distance); null when not run. */
  score: z.number().nullable(),
  /** The threshold the score was judged by; null when not run. */
  threshold: z.number().nullable(),
  /** The check's own version (and the model's, for nsfw and text). */
  version: z.string(),
  /** For a failure or a check that could not run: a sentence a designer understands. */
  reason: z.string().nullable(),
  /**
   * What the check saw: `duplicateOf` { outputId | referenceId, runId }, `expected` and `read` text,
   * per-category `scores`, `providerFlag` (the provider's own safety verdict), `cause` (why not run).
   */
  details: CheckDetails,
  checkedAt: z.number(),
});
export type QualityCheckRecord = z.infer<typeof QualityCheckRecord>;

/**
 * One check's verdict on an imported reference image: the NSFW check, with the thresholds of Settings → Quality.
 * A reference has no request, so the other checks do not apply (it is hashed for near-duplicates of outputs).
 */
export const ReferenceCheckRecord = QualityCheckRecord.omit({ outputId: true });
export type ReferenceCheckRecord = z.infer<typeof ReferenceCheckRecord>;

/** Failed and not-run checks of an output: what Review shows under "Why flagged". */
export const QualityFlag = QualityCheckRecord.pick({
  check: true,
  result: true,
  reason: true,
  score: true,
  threshold: true,
  details: true,
});
export type QualityFlag = z.infer<typeof QualityFlag>;

const TaskTypes = z.array(z.enum(TASK_TYPES)).max(TASK_TYPES.length);
const Unit = z.number().min(0).max(1);

/** Settings → Quality. Each check runs on the routes (task types) it lists; an empty list turns it off. */
export const QualitySettings = z.strictObject({
  routes: z.strictObject({
    size: TaskTypes,
    blank: TaskTypes,
    duplicate: TaskTypes,
    nsfw: TaskTypes,
    text: TaskTypes,
  }),
  /** Size: how far width, height or aspect may stray from the request (or the provider's snapped size), 0..1. */
  sizeTolerance: z.number().min(0).max(0.5),
  /** Blank: the frame fails when its detail (mean channel standard deviation, 0..255) is below this. */
  blankMinDetail: z.number().min(0).max(128),
  /** Near-duplicate: Hamming distance (of 64 bits) at or below which two images are near-duplicates. */
  duplicateMaxDistance: z.number().int().min(0).max(32),
  /** NSFW: per category, the probability at or above which the output fails. */
  nsfwThresholds: z.record(z.string().min(1).max(40), Unit),
  /** Text: normalized edit distance (0 same … 1 nothing alike) above which the text fails. */
  textMaxDistance: Unit,
});
export type QualitySettings = z.infer<typeof QualitySettings>;

const ALL = [...TASK_TYPES];
export const DEFAULT_QUALITY_SETTINGS: QualitySettings = {
  routes: { size: ALL, blank: ALL, duplicate: ALL, nsfw: ALL, text: ALL },
  sizeTolerance: 0.02,
  blankMinDetail: 4,
  duplicateMaxDistance: 6,
  nsfwThresholds: { porn: 0.6, hentai: 0.6, sexy: 0.8 },
  textMaxDistance: 0.05,
};

export const QualityJobState = z.enum(['idle', 'running', 'done', 'cancelled']);

export const QualityProgress = z.object({
  state: QualityJobState,
  done: z.number(),
  /** Images to check: the references first, then the outputs. */
  total: z.number(),
  /** How many of `total` are reference images. */
  references: z.number(),
  /**
   * Grows with every change of the re-run's progress: a call's answer and the events can arrive in either
   * order, and the newest report (highest revision) is the one to show.
   */
  revision: z.number().int().nonnegative(),
});
export type QualityProgress = z.infer<typeof QualityProgress>;

const OutputId = z.number().int().positive();

export const qualityCalls = {
  /** Every check result of one output. */
  'quality.output': {
    input: z.strictObject({ outputId: OutputId }),
    output: z.object({ checks: z.array(QualityCheckRecord) }),
  },
  /** Every check result of a run's outputs (the run dialog's list). */
  'quality.run': {
    input: z.strictObject({ runId: z.number().int().positive() }),
    output: z.object({ checks: z.array(QualityCheckRecord) }),
  },
  'quality.settings': { input: z.strictObject({}), output: QualitySettings },
  'quality.saveSettings': { input: z.strictObject({ settings: QualitySettings }), output: QualitySettings },
  /**
   * Re-runs every enabled check on every live output, and hashes and classifies (NSFW) every reference;
   * progress on `quality.progress`.
   */
  'quality.rerun': { input: z.strictObject({}), output: QualityProgress },
  'quality.cancelRerun': { input: z.strictObject({}), output: QualityProgress },
  'quality.progress': { input: z.strictObject({}), output: QualityProgress },
} as const;

export const qualityEvents = {
  /** The library re-run moved on (or ended). */
  'quality.progress': QualityProgress,
  /** New check results were stored for these outputs: badges, Review and History refresh. */
  'quality.checked': z.object({ outputIds: z.array(z.number()), runIds: z.array(z.number()) }),
  /** New check results were stored for these reference images: the References screen refreshes them. */
  'quality.referencesChecked': z.object({ ids: z.array(z.number()) }),
} as const;
