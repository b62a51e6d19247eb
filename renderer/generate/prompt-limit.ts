// The prompt's length limit as the field shows it: a counter that warns near the end, and a paste that
// did not fit is said out loud instead of being cut in silence.

/** From this share of the limit on, the counter turns to a warning. */
export const NEAR_LIMIT_SHARE = 0.9;

const count = (n: number) => n.toLocaleString('en-US');

/**
 * How many pasted characters a text field with `maxLength = max` drops: the paste replaces the
 * selection, and whatever goes past the limit is cut by the browser.
 */
export function pasteOverflow(
  field: { length: number; selectionStart: number; selectionEnd: number },
  pastedLength: number,
  max: number,
): number {
  const selected = Math.max(0, field.selectionEnd - field.selectionStart);
  return Math.max(0, field.length - selected + pastedLength - max);
}

export type LimitTone = 'normal' | 'near' | 'full';

export function limitTone(length: number, max: number): LimitTone {
  if (length >= max) return 'full';
  return length >= Math.ceil(max * NEAR_LIMIT_SHARE) ? 'near' : 'normal';
}

/** "3,620 / 4,000". */
export function counterText(length: number, max: number): string {
  return `${count(length)} / ${count(max)}`;
}

/** Said when a paste was cut: how much was left out and what the limit is. */
export function pasteCutMessage(dropped: number, max: number): string {
  const what = dropped === 1 ? 'character' : 'characters';
  return `The paste was too long: its last ${count(dropped)} ${what} ${dropped === 1 ? 'was' : 'were'} left out. A prompt holds ${count(max)} characters.`;
}

/** Said (to screen readers) once the field is full by typing. */
export function limitReachedMessage(max: number): string {
  return `The prompt is at its ${count(max)}-character limit.`;
}
