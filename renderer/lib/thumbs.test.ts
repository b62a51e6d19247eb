import { describe, expect, it, vi } from 'vitest';
import { coverWidth, smallThumbUrl, thumbSources } from './thumbs';

vi.mock('../api', () => ({ api: { mediaUrl: (relative: string) => `/media/${relative}` } }));

const sha = `ab${'1'.repeat(62)}`;
const large = `thumbs/ab/${sha}.webp`;
const small = `thumbs/ab/${sha}.192.webp`;

describe('thumbSources', () => {
  it('offers both tiers with their real widths and the shown width as sizes', () => {
    expect(thumbSources(large, { width: 1024, height: 1024 }, 170.4)).toEqual({
      src: `/media/${large}`,
      srcSet: `/media/${small} 192w, /media/${large} 384w`,
      sizes: '137px', // 170.4 / THUMB_STRETCH, rounded up.
    });
    // 240 px wide is 1.25× the small tier: still the small one; wider asks for more than 192w covers.
    expect(thumbSources(large, { width: 1024, height: 1024 }, 240).sizes).toBe('192px');
    expect(thumbSources(large, { width: 1024, height: 1024 }, 241).sizes).toBe('193px');
    // A portrait image: the small tier is 131 px wide, the large 263 px.
    expect(thumbSources(large, { width: 832, height: 1216 }, 120).srcSet).toBe(
      `/media/${small} 131w, /media/${large} 263w`,
    );
  });

  it('serves the one file when there is nothing to choose or no width is known', () => {
    expect(thumbSources(large, { width: 150, height: 100 }, 150)).toEqual({ src: `/media/${large}` });
    expect(thumbSources(large, { width: 1024, height: 1024 }, 0)).toEqual({ src: `/media/${large}` });
    expect(thumbSources('thumbs/legacy.webp', { width: 1024, height: 1024 }, 100)).toEqual({
      src: '/media/thumbs/legacy.webp',
    });
  });
});

describe('smallThumbUrl', () => {
  it('names the small tier, or the path itself when it has none', () => {
    expect(smallThumbUrl(large)).toBe(`/media/${small}`);
    expect(smallThumbUrl('references/ab/x.png')).toBe('/media/references/ab/x.png');
  });
});

describe('coverWidth', () => {
  it('is the box width unless the image is wider than the box and overflows it', () => {
    expect(coverWidth(100, 1, 0.5)).toBe(100);
    expect(coverWidth(100, 1, 2)).toBe(200);
    expect(coverWidth(200, 2, 4)).toBe(400);
    expect(coverWidth(100, 0, 1)).toBe(100);
  });
});
