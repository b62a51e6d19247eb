import { describe, expect, it } from 'vitest';
import { asText, type DiffPart, diffWords } from './diff';

const side = (parts: DiffPart[], skip: DiffPart['kind']) =>
  parts
    .filter((part) => part.kind !== skip)
    .map((part) => part.text)
    .join('');

/** Both texts come back whole, parts never repeat a kind, and a hunk lists what went before what came. */
function expectWellFormed(before: string, after: string, parts: DiffPart[]): void {
  expect(side(parts, 'added')).toBe(before);
  expect(side(parts, 'removed')).toBe(after);
  for (let i = 1; i < parts.length; i++) {
    expect(parts[i]!.kind).not.toBe(parts[i - 1]!.kind);
    expect([parts[i - 1]!.kind, parts[i]!.kind]).not.toEqual(['added', 'removed']);
  }
  for (const part of parts) expect(part.text).not.toBe('');
}

/** A prompt of `count` words drawn from a small vocabulary, the same for the same seed. */
function prompt(count: number, seed: number): string[] {
  const vocabulary =
    'portrait old fisherman weathered face soft window light 35mm film grain muted teal orange palette high-contrast shallow depth field bokeh cinematic moody golden hour rim'.split(
      ' ',
    );
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return vocabulary[state % vocabulary.length]!;
  });
}

describe('word diff', () => {
  it('keeps whole words in every script, hyphenated words included', () => {
    expect(diffWords('high-contrast light', 'low-contrast light')).toEqual([
      { kind: 'removed', text: 'high-contrast' },
      { kind: 'added', text: 'low-contrast' },
      { kind: 'same', text: ' light' },
    ]);
    expect(diffWords('кот спит', 'кот бежит')).toEqual([
      { kind: 'same', text: 'кот ' },
      { kind: 'removed', text: 'спит' },
      { kind: 'added', text: 'бежит' },
    ]);
    expect(diffWords('猫が寝る', '猫が走る')).toEqual([
      { kind: 'removed', text: '猫が寝る' },
      { kind: 'added', text: '猫が走る' },
    ]);
  });

  it('shows a change of whitespace or punctuation alone', () => {
    expect(diffWords('a,b', 'a, b')).toEqual([
      { kind: 'same', text: 'a,' },
      { kind: 'added', text: ' ' },
      { kind: 'same', text: 'b' },
    ]);
    expect(diffWords('dark; moody', 'dark, moody')).toEqual([
      { kind: 'same', text: 'dark' },
      { kind: 'removed', text: ';' },
      { kind: 'added', text: ',' },
      { kind: 'same', text: ' moody' },
    ]);
  });

  it('handles empty sides and equal texts', () => {
    expect(diffWords('', '')).toEqual([]);
    expect(diffWords('', 'new text')).toEqual([{ kind: 'added', text: 'new text' }]);
    expect(diffWords('old text', '')).toEqual([{ kind: 'removed', text: 'old text' }]);
    expect(diffWords('same words', 'same words')).toEqual([{ kind: 'same', text: 'same words' }]);
  });

  it('finds insertions and deletions between kept words', () => {
    expect(diffWords('a photo of a cat, studio light', 'a watercolor painting of a cat, soft light')).toEqual(
      [
        { kind: 'same', text: 'a ' },
        { kind: 'removed', text: 'photo' },
        { kind: 'added', text: 'watercolor' },
        { kind: 'same', text: ' ' },
        { kind: 'added', text: 'painting ' },
        { kind: 'same', text: 'of a cat, ' },
        { kind: 'removed', text: 'studio' },
        { kind: 'added', text: 'soft' },
        { kind: 'same', text: ' light' },
      ],
    );
    expect(diffWords('portrait, 35mm film, golden hour', 'portrait, golden hour')).toEqual([
      { kind: 'same', text: 'portrait, ' },
      { kind: 'removed', text: '35mm film, ' },
      { kind: 'same', text: 'golden hour' },
    ]);
  });

  it('keeps the first space it can when fewer words replace more (one of the equally short answers)', () => {
    // The LCS table this replaced kept the second space ("weathered cinematic" → "high-contrast"); both are minimal.
    expect(diffWords('weathered cinematic teal', 'high-contrast teal')).toEqual([
      { kind: 'removed', text: 'weathered' },
      { kind: 'added', text: 'high-contrast' },
      { kind: 'same', text: ' ' },
      { kind: 'removed', text: 'cinematic ' },
      { kind: 'same', text: 'teal' },
    ]);
  });

  it('diffs two 2,000-word prompts word by word, and shows unrelated ones as a whole replacement', () => {
    const words = prompt(2000, 7);
    const edited = [...words];
    edited[10] = 'dusk';
    edited.splice(900, 3);
    edited.splice(1500, 0, 'extra', 'words');
    const before = words.join(' ');
    const after = edited.join(' ');
    const parts = diffWords(before, after);
    expectWellFormed(before, after, parts);
    expect(parts.filter((part) => part.kind !== 'same').length).toBeLessThanOrEqual(6);
    const changed = parts
      .filter((part) => part.kind !== 'same')
      .reduce((sum, part) => sum + part.text.length, 0);
    expect(changed).toBeLessThan(80);

    const other = prompt(2000, 99).join(' ');
    expect(diffWords(before, other)).toEqual([
      { kind: 'removed', text: before },
      { kind: 'added', text: other },
    ]);
  });

  it('returns both texts whole on random edits', () => {
    const tokens = ['a', 'b', ' ', '  ', ',', 'x-y', '\n', 'é', '猫'];
    let state = 3;
    const random = () => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state;
    };
    const text = () => Array.from({ length: random() % 12 }, () => tokens[random() % tokens.length]).join('');
    for (let i = 0; i < 300; i++) {
      const before = text();
      const after = text();
      expectWellFormed(before, after, diffWords(before, after));
    }
  });
});

describe('asText', () => {
  it('reads strings, numbers, lists and objects as comparable text', () => {
    expect(asText(null)).toBe('');
    expect(asText('x')).toBe('x');
    expect(asText(3)).toBe('3');
    expect(asText(['a', 'b'])).toBe('a, b');
    expect(asText({ b: 1, a: { c: 2 } })).toBe(asText({ a: { c: 2 }, b: 1 }));
  });
});
