// Rules every user-supplied label and free-form JSON value shares, so each schema refuses the same things.
import { z } from 'zod';

/**
 * Characters a label must not hold: C0/C1 controls (NUL, ESC, line breaks…), bidirectional formatting
 * controls (U+202E reverses what follows on screen, "invoice‮gpj.exe"), and the line and paragraph separators.
 */
const UNSAFE_IN_LABEL = /[\p{Cc}\p{Bidi_Control}\u2028\u2029]/u;

/** The first character a label must not hold, as `U+202E`; null when there is none. */
export function unsafeLabelCharacter(text: string): string | null {
  const found = UNSAFE_IN_LABEL.exec(text)?.[0];
  if (found === undefined) return null;
  return `U+${found.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** A refinement for names, tags and labels: refuses control and bidirectional formatting characters. */
export function refuseUnsafeLabel(text: string, ctx: z.RefinementCtx): void {
  const found = unsafeLabelCharacter(text);
  if (found !== null) {
    ctx.addIssue({
      code: 'custom',
      message: `must not contain control or bidirectional formatting characters (${found})`,
    });
  }
}

/** A label string: trimmed, at most `max` characters, no control or bidirectional formatting characters. */
export function labelText(max: number) {
  return z.string().trim().max(max, `must be at most ${max} characters`).superRefine(refuseUnsafeLabel);
}

const UNSAFE_GLOBAL = new RegExp(UNSAFE_IN_LABEL.source, 'gu');

/** The label without what `labelText` refuses: for reading values stored before the rule. */
export function withoutUnsafeLabelCharacters(text: string): string {
  return text.replace(UNSAFE_GLOBAL, '');
}

/**
 * True when `value` nests objects and arrays deeper than `limit` levels (the value itself being level 1 when
 * it is one). Walks with an explicit stack, so a hostile depth of 100,000 costs no call stack.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(current)) stack.push({ value: child, depth: depth + 1 });
  }
  return false;
}

/** A refinement for free-form JSON objects (provider options, workflows): refuses nesting beyond `limit`. */
export function refuseDeepNesting(limit: number) {
  return (value: unknown, ctx: z.RefinementCtx): void => {
    if (nestsDeeperThan(value, limit)) {
      ctx.addIssue({ code: 'custom', message: `must not nest deeper than ${limit} levels` });
    }
  };
}
