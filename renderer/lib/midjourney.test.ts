import { describe, expect, it } from 'vitest';
import { describeMidjourneyCopy } from './midjourney';

describe('Copy for Midjourney message', () => {
  it('names the style and what was left out, in plain words', () => {
    expect(
      describeMidjourneyCopy({
        text: 'x',
        notes: [
          { code: 'style', name: 'Ink', version: 3 },
          { code: 'local_references', count: 2 },
          { code: 'local_init_image' },
        ],
      }),
    ).toBe(
      'Copied for Midjourney · from style “Ink” v3 · 2 stored references are not in it (Midjourney takes --sref by URL: upload them and add the links) · the reference image is not in it (paste its URL at the start of the prompt).',
    );
    expect(describeMidjourneyCopy({ text: 'x', notes: [] })).toBe('Copied for Midjourney.');
  });
});
