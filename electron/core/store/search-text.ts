import { fieldError } from '../../../shared/result';

/** What a History search box's text asks for, translated so no user text ever reaches SQLite as syntax. */
export interface SearchPlan {
  /** FTS5 expression every match satisfies (positives, with the exclusions folded in as NOT); null when none. */
  match: string | null;
  /** FTS5 expression of the exclusions, when there is no positive term to hang a NOT on. */
  exclude: string | null;
  /** LIKE patterns (escaped with `\`) the prompt or negative prompt must contain / must not contain. */
  contains: string[];
  lacks: string[];
}

export const MAX_SEARCH_TERMS = 32;
const FIELD = ['query', 'text'];

interface Term {
  text: string;
  prefix: boolean;
  negate: boolean;
}

/** Characters the FTS tokenizer (unicode61) indexes: a term without any matches nothing and is dropped. */
const INDEXED = /[\p{L}\p{N}]/u;
/**
 * Scripts written without spaces between words: unicode61 makes a whole run of them one token, so "猫" would
 * never find "白い猫の絵". Terms in them are matched as substrings of the prompt instead.
 */
const UNSPACED =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

/**
 * Reads words, `prefix*`, `"exact phrases"` (also `"phrase prefix"*`) and `-exclusions` (`-word`,
 * `-"a phrase"`). Every term is emitted as an FTS5 string (`"…"`, inner quotes doubled), so operators,
 * column filters and parentheses typed by the user are only ever text. An unclosed quote is refused.
 */
export function planSearch(input: string): SearchPlan {
  const terms = readTerms(input);
  if (terms.length > MAX_SEARCH_TERMS) {
    throw fieldError(FIELD, `has ${terms.length} search terms; at most ${MAX_SEARCH_TERMS}`);
  }
  const positives: string[] = [];
  const negatives: string[] = [];
  const contains: string[] = [];
  const lacks: string[] = [];
  for (const term of terms) {
    if (!INDEXED.test(term.text)) continue;
    if (UNSPACED.test(term.text)) {
      (term.negate ? lacks : contains).push(`%${escapeLike(term.text.trim())}%`);
      continue;
    }
    const fts = `"${term.text.replaceAll('"', '""')}"${term.prefix ? ' *' : ''}`;
    (term.negate ? negatives : positives).push(fts);
  }
  const anyOf = negatives.length === 1 ? negatives[0]! : `(${negatives.join(' OR ')})`;
  if (positives.length === 0) {
    return { match: null, exclude: negatives.length > 0 ? negatives.join(' OR ') : null, contains, lacks };
  }
  const all = positives.join(' AND ');
  return {
    match: negatives.length > 0 ? `(${all}) NOT ${anyOf}` : all,
    exclude: null,
    contains,
    lacks,
  };
}

function readTerms(input: string): Term[] {
  const terms: Term[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (/\s/u.test(ch)) {
      i += 1;
      continue;
    }
    let negate = false;
    if (ch === '-' && i + 1 < input.length && !/\s/u.test(input[i + 1]!)) {
      negate = true;
      i += 1;
    }
    if (input[i] === '"') {
      const close = input.indexOf('"', i + 1);
      if (close === -1) {
        throw fieldError(
          FIELD,
          `the quote at character ${i + 1} is not closed; add a closing " to search for a phrase`,
        );
      }
      const text = input.slice(i + 1, close);
      i = close + 1;
      const prefix = input[i] === '*';
      if (prefix) i += 1;
      terms.push({ text, prefix, negate });
      continue;
    }
    let end = i;
    while (end < input.length && !/\s/u.test(input[end]!) && input[end] !== '"') end += 1;
    let word = input.slice(i, end);
    i = end;
    const prefix = word.endsWith('*');
    word = word.replace(/\*+$/u, '');
    terms.push({ text: word, prefix, negate });
  }
  return terms;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/gu, (c) => `\\${c}`);
}
