// Text limits the contract enforces and the forms show: one definition for both sides.

/** Characters a prompt may hold (after trimming), on every provider. */
export const PROMPT_MAX_CHARS = 4000;
/** Characters a negative prompt may hold. */
export const NEGATIVE_PROMPT_MAX_CHARS = 2000;
