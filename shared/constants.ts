// Plain values the renderer needs without pulling zod into its bundle.

export const ASPECT_RATIOS = ['1:1', '3:2', '2:3', '4:3', '3:4', '16:9', '9:16'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

export const MAX_SEED = 4_294_967_294;

/** How a provider attempt ended. Every adapter maps its provider's real responses onto these. */
export const ATTEMPT_OUTCOMES = [
  'ok',
  'rate_limited',
  'quota_exhausted',
  'content_blocked',
  'auth_failed',
  'invalid_request',
  'unavailable',
  'timeout',
  'no_image',
  'cancelled',
  /** Not sent: no key, breaker open, local allowance or budget spent. The reason is on the attempt. */
  'skipped',
] as const;

/**
 * Why a chain step was not sent (or would not be, in an estimate): stored as a skipped attempt's provider
 * code and carried on each estimate step, so both sides decide from the kind, never from the sentence.
 */
export const SKIP_CODES = [
  'unknown_provider',
  'unknown_model',
  'retired_model',
  'not_implemented',
  'no_key',
  'key_unreadable',
  'breaker_open',
  'allowance_spent',
  'budget',
  'no_server',
  /** The request's explicit seed is outside the seeds this provider takes; it is never wrapped or changed. */
  'seed_out_of_range',
] as const;
export type SkipCode = (typeof SKIP_CODES)[number];

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;

/** What a request is for; each task type routes to its own provider chain (Settings → Routes). */
export const TASK_TYPES = ['default', 'text-heavy', 'photoreal', 'draft', 'wide'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const TASK_TYPE_LABELS: Record<TaskType, string> = {
  default: 'General',
  'text-heavy': 'Text and typography',
  photoreal: 'Photoreal',
  draft: 'Fast draft',
  wide: 'Wide / architectural',
};

/** The image-to-image strength band that keeps a reference's structure yet lets the prompt act. */
export const REFERENCE_STRENGTH = { default: 0.55, bandLow: 0.4, bandHigh: 0.65 } as const;
