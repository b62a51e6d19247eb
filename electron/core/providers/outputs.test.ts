import { describe, expect, it } from 'vitest';
import { safetyFlag } from './outputs';

describe('safetyFlag: a provider’s per-image safety field as recorded on the output', () => {
  it('reads yes/no flags so that flagged means unsafe', () => {
    expect(safetyFlag('has_nsfw_concepts', true)).toEqual({
      field: 'has_nsfw_concepts',
      flagged: true,
      ratings: [],
    });
    expect(safetyFlag('has_nsfw_concepts', false)).toMatchObject({ flagged: false });
    expect(safetyFlag('is_image_safe', true)).toEqual({
      field: 'is_image_safe',
      flagged: false,
      ratings: [],
    });
    expect(safetyFlag('is_image_safe', false)).toMatchObject({ flagged: true });
  });

  it('never turns a missing or unreadable field into "safe"', () => {
    expect(safetyFlag('has_nsfw_concepts', undefined)).toBeNull();
    expect(safetyFlag('is_image_safe', 'true')).toBeNull();
    expect(safetyFlag('safetyRatings', undefined)).toBeNull();
    expect(safetyFlag('safetyRatings', [{ category: 7 }, 'x'])).toBeNull();
  });

  it('keeps Gemini’s ratings as sent; MEDIUM, HIGH or blocked flags the image', () => {
    const low = [{ category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: 'LOW' }];
    expect(safetyFlag('safetyRatings', low)).toEqual({
      field: 'safetyRatings',
      flagged: false,
      ratings: [{ category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: 'LOW', blocked: false }],
    });
    expect(
      safetyFlag('safetyRatings', [{ category: 'HARM_CATEGORY_HARASSMENT', probability: 'HIGH' }]),
    ).toMatchObject({
      flagged: true,
    });
    expect(
      safetyFlag('safetyRatings', [
        { category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'NEGLIGIBLE', blocked: true },
      ]),
    ).toMatchObject({ flagged: true });
  });
});
