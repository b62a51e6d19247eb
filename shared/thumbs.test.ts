import { describe, expect, it } from 'vitest';
import { largeThumbOf, SMALL_THUMB_SIZE, smallThumbPath, THUMB_SIZE, thumbFit } from './thumbs';

const sha = `ab${'0123456789abcdef'.repeat(4).slice(2)}`;

describe('thumbnail tiers', () => {
  it('derives the small thumbnail beside the large one, and back', () => {
    const large = `thumbs/ab/${sha}.webp`;
    const small = `thumbs/ab/${sha}.${SMALL_THUMB_SIZE}.webp`;
    expect(smallThumbPath(large)).toBe(small);
    expect(largeThumbOf(small)).toBe(large);
    expect(SMALL_THUMB_SIZE).toBeLessThan(THUMB_SIZE);
  });

  it('answers null for anything that is not a stored thumbnail path', () => {
    for (const bad of [
      `media/ab/${sha}.png`,
      `thumbs/cd/${sha}.webp`, // Shard does not match the hash.
      `thumbs/ab/${sha}.png`,
      `thumbs/ab/${sha}.${SMALL_THUMB_SIZE}.webp`, // Already small.
      `thumbs/../ab/${sha}.webp`,
      `/thumbs/ab/${sha}.webp`,
      `thumbs/ab/${sha.slice(1)}.webp`,
      `thumbs/AB/${sha.toUpperCase()}.webp`,
    ]) {
      expect(smallThumbPath(bad), bad).toBeNull();
    }
    for (const bad of [
      `thumbs/ab/${sha}.webp`,
      `thumbs/ab/${sha}.384.webp`,
      `thumbs/../../etc/${sha}.${SMALL_THUMB_SIZE}.webp`,
      `thumbs/cd/${sha}.${SMALL_THUMB_SIZE}.webp`,
      `media/ab/${sha}.${SMALL_THUMB_SIZE}.webp`,
    ]) {
      expect(largeThumbOf(bad), bad).toBeNull();
    }
  });

  it('fits a size inside the square without enlarging, as the thumbnailer does', () => {
    expect(thumbFit(1024, 1024, 192)).toEqual({ width: 192, height: 192 });
    expect(thumbFit(1920, 1080, 192)).toEqual({ width: 192, height: 108 });
    expect(thumbFit(832, 1216, 384)).toEqual({ width: 263, height: 384 });
    expect(thumbFit(100, 50, 192)).toEqual({ width: 100, height: 50 });
    expect(thumbFit(0, 0, 192)).toEqual({ width: 192, height: 192 });
  });
});
