// Text limits the contract enforces and the forms show: one definition for both sides.

/** Characters a prompt may hold (after trimming), on every provider. */
export const PROMPT_MAX_CHARS = 4000;
/** Characters a negative prompt may hold. */
export const NEGATIVE_PROMPT_MAX_CHARS = 2000;

/** Numbers a generation request may hold, whatever the model: the contract refuses beyond them, the form says so. */
export const REQUEST_LIMITS = {
  /** Pixels per side of an exact size. */
  size: { min: 64, max: 8192 },
  steps: { min: 1, max: 150 },
  guidance: { min: 0, max: 50 },
  /** Images per request; a model's own `maxCount` may be lower. */
  count: { min: 1, max: 10 },
} as const;

/** Requests one local GPU server takes at once (its slots). */
export const SERVER_SLOTS = { min: 1, max: 16 } as const;
