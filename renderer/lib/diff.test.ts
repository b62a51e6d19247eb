// The word diff behind "Changes from vN to vM": what it marks, and that each side can be read back from it.
import { describe, expect, it } from 'vitest';
import { asText, type DiffPart, diffWords } from './diff';

const side = (parts: DiffPart[], skip: DiffPart['kind']) =>
  parts
    .filter((p) => p.kind !== skip)
    .map((p) => p.text)
    .join('');

describe('diffWords', () => {
  it('marks a replaced word as removed and added, the rest as the same', () => {
    const parts = diffWords('a quick brown fox', 'a slow brown fox');
    expect(parts.filter((p) => p.kind === 'removed').map((p) => p.text.trim())).toEqual(['quick']);
    expect(parts.filter((p) => p.kind === 'added').map((p) => p.text.trim())).toEqual(['slow']);
    expect(side(parts, 'added')).toBe('a quick brown fox');
    expect(side(parts, 'removed')).toBe('a slow brown fox');
  });

  it('equal texts are one unchanged part; empty sides are all added or all removed', () => {
    expect(diffWords('same text', 'same text')).toEqual([{ kind: 'same', text: 'same text' }]);
    expect(diffWords('', 'new words')).toEqual([{ kind: 'added', text: 'new words' }]);
    expect(diffWords('old words', '')).toEqual([{ kind: 'removed', text: 'old words' }]);
    expect(diffWords('', '')).toEqual([]);
  });

  it('never splits a word: punctuation and accented letters stay whole tokens', () => {
    const parts = diffWords('café, film grain', 'café; film grain');
    expect(parts.filter((p) => p.kind !== 'same').map((p) => p.text)).toEqual([',', ';']);
  });

  it('each side reads back exactly, also for long texts', () => {
    const before = Array.from({ length: 700 }, (_, i) => `w${i % 37}`).join(' ');
    const after = Array.from({ length: 700 }, (_, i) => `w${(i * 7) % 41}`).join(' ');
    const parts = diffWords(before, after);
    expect(side(parts, 'added')).toBe(before);
    expect(side(parts, 'removed')).toBe(after);
  });
});

describe('asText', () => {
  it('reads values of every field as comparable text', () => {
    expect(asText(null)).toBe('');
    expect(asText(undefined)).toBe('');
    expect(asText(3)).toBe('3');
    expect(asText(['warm', 'film'])).toBe('warm, film');
    // Objects: key order does not make a difference.
    expect(asText({ b: 1, a: { d: 2, c: 3 } })).toBe(asText({ a: { c: 3, d: 2 }, b: 1 }));
  });
});
