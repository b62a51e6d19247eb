// A word-level diff for comparing two versions of a text field: our tokens, jsdiff's Myers diff.
import { diffArrays } from 'diff';

export interface DiffPart {
  kind: 'same' | 'added' | 'removed';
  text: string;
}

/**
 * Words in every script, with `_` and `-` inside them ("high-contrast" is one word), single punctuation marks,
 * and whitespace runs. jsdiff's own `diffWordsWithSpace` knows only Latin letters and splits at hyphens.
 */
function tokens(text: string): string[] {
  return text.match(/\s+|[\p{L}\p{N}_-]+|[^\s\p{L}\p{N}_-]/gu) ?? [];
}

/**
 * Beyond this many changed tokens (≈500 words) the two texts are shown as a whole replacement. Measured on
 * 2,000-word prompts (≈4,000 tokens each): an edited pair (≈300 changed tokens) diffs in 10 ms; an unrelated pair
 * gives up after 100 ms, where no bound takes 1.4 s. (The LCS table this replaced needed 128 ms for the edited
 * pair, so it refused anything over 500 × 500 tokens.)
 */
const MAX_EDIT_TOKENS = 1000;

/** Word-level differences from `before` to `after`; whitespace runs are kept as tokens. */
export function diffWords(before: string, after: string): DiffPart[] {
  const changes = diffArrays(tokens(before), tokens(after), { maxEditLength: MAX_EDIT_TOKENS });
  if (!changes) {
    return [
      ...(before ? [{ kind: 'removed' as const, text: before }] : []),
      ...(after ? [{ kind: 'added' as const, text: after }] : []),
    ];
  }
  return changes.map((change) => ({
    kind: change.added ? 'added' : change.removed ? 'removed' : 'same',
    text: change.value.join(''),
  }));
}

/** Any value as comparable text: strings as they are, lists joined, objects as sorted JSON. */
export function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(', ');
  return JSON.stringify(value, Object.keys(flatten(value)).sort(), 2);
}

function flatten(value: unknown, into: Record<string, true> = {}): Record<string, true> {
  if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      into[key] = true;
      flatten(inner, into);
    }
  }
  return into;
}
